#pragma once
// Real time servers on loopback for the probe tests: a throw-away MIT Kerberos realm with its
// KDC, and chronyd serving NTP, each optionally under libfaketime to give it a skewed clock.
// Each lives in its own fresh temp dir, listens on 127.0.0.1 at a free high port, and is
// stopped (SIGTERM, then SIGKILL) and cleaned up when the object goes. start() returns an error
// saying why when a binary is missing or the server does not come up; tests skip on it.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace authwatch::test {

// libfaketime's preload library, or "" when the faketime package is not installed.
std::string libfaketime_path();

// A port that is free on 127.0.0.1 for both UDP and TCP at the time of the call.
uint16_t free_loopback_port();

// A server process, started with its output going to `log`, killed and reaped on destruction.
class ServerProcess {
 public:
  // `env` entries are added to (or replace) this process's environment.
  static Result<std::unique_ptr<ServerProcess>> spawn(const std::vector<std::string>& argv,
                                                      const std::map<std::string, std::string>& env,
                                                      const std::filesystem::path& log);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool running();
  // The exit status once the process has ended by itself (-1: killed by a signal), or nullopt
  // when it is still running after `timeout`.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  explicit ServerProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
  int exit_status_ = -1;
};

struct TimeServerOptions {
  std::string faketime;  // e.g. "+10m": run the server under libfaketime with this FAKETIME
};

class MitKdc {
 public:
  // Creates realm `realm` (kdb5_util create -s) in a temp dir and starts `krb5kdc -n` on
  // 127.0.0.1:<port> for UDP and TCP.
  static Result<std::unique_ptr<MitKdc>> start(const std::string& realm, TimeServerOptions options = {});
  ~MitKdc();

  uint16_t port() const { return port_; }
  const std::string& realm() const { return realm_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  MitKdc() = default;
  std::filesystem::path dir_;
  std::string realm_;
  uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> process_;
};

class ChronyServer {
 public:
  // chronyd -x -d serving NTP on 127.0.0.1:<port> with `local stratum 8` and no sources; its
  // command sockets are off and its files stay in the temp dir.
  static Result<std::unique_ptr<ChronyServer>> start(TimeServerOptions options = {});
  ~ChronyServer();

  uint16_t port() const { return port_; }

 private:
  ChronyServer() = default;
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace authwatch::test
