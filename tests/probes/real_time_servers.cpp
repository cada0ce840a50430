#include "real_time_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace authwatch::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kStartupWait = 10s;

fs::path fresh_dir(const std::string& prefix) {
  std::random_device rd;
  auto dir = fs::temp_directory_path() / (prefix + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(dir);
  return dir;
}

// Daemons live in sbin, which a non-root PATH often lacks.
std::string find_program(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream parts(path);
    for (std::string d; std::getline(parts, d, ':');) dirs.push_back(d);
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(d);
  for (const auto& d : dirs) {
    fs::path candidate = fs::path(d) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::string read_tail(const fs::path& file, size_t max_chars = 800) {
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_chars) text = "..." + text.substr(text.size() - max_chars);
  return text;
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
}

// Runs a command to completion with its output in `log`; returns its exit status (or -1).
int run_to_completion(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const fs::path& log) {
  auto process = ServerProcess::spawn(argv, env, log);
  if (!process) return -1;
  return process.value()->wait_for_exit(30s).value_or(-1);  // a hung command is killed by ~ServerProcess
}

bool tcp_accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// One NTP client packet; true when a 48-byte answer comes back within 200 ms.
bool ntp_answers(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::array<uint8_t, 48> packet{};
  packet[0] = 0x23;
  packet[40] = 0xe0;  // any non-zero transmit timestamp
  std::array<uint8_t, 128> reply{};
  bool ok = ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 48 &&
            ::recv(fd, reply.data(), reply.size(), 0) >= 48;
  ::close(fd);
  return ok;
}

template <class Ready>
Result<void> wait_until_ready(ServerProcess& process, Ready ready, const std::string& what, const fs::path& log) {
  const auto give_up = std::chrono::steady_clock::now() + kStartupWait;
  while (std::chrono::steady_clock::now() < give_up) {
    if (!process.running()) return Error{what + " exited during startup: " + read_tail(log)};
    if (ready()) return {};
    std::this_thread::sleep_for(50ms);
  }
  return Error{what + " did not answer within 10 s: " + read_tail(log)};
}

std::map<std::string, std::string> faketime_env(const TimeServerOptions& options, std::string& error) {
  if (options.faketime.empty()) return {};
  const std::string lib = libfaketime_path();
  if (lib.empty()) {
    error = "libfaketime not installed (Debian package faketime)";
    return {};
  }
  // Only the wall clock is meant to move; a faked monotonic clock would only confuse timers.
  return {{"LD_PRELOAD", lib}, {"FAKETIME", options.faketime}, {"DONT_FAKE_MONOTONIC", "1"}};
}

}  // namespace

std::string libfaketime_path() {
  for (const char* p : {"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                        "/usr/lib/faketime/libfaketime.so.1"}) {
    if (::access(p, R_OK) == 0) return p;
  }
  return "";
}

uint16_t free_loopback_port() {
  // Ask the kernel for a free TCP port, then check UDP on the same number is free too.
  for (int attempt = 0; attempt < 50; ++attempt) {
    int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (tcp < 0 || ::bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (tcp >= 0) ::close(tcp);
      continue;
    }
    int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool udp_free = udp >= 0 && ::bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (udp >= 0) ::close(udp);
    ::close(tcp);
    if (udp_free) return ntohs(addr.sin_port);
  }
  return 0;
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::spawn(const std::vector<std::string>& argv,
                                                            const std::map<std::string, std::string>& env,
                                                            const fs::path& log) {
  if (argv.empty()) return Error{"no command"};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error{"cannot open " + log.string() + ": " + std::strerror(errno)};
  const pid_t parent = ::getpid();
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test binary that crashes must
  // not leave a KDC or chronyd behind. Only async-signal-safe calls between fork and exec.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log_fd);
  if (pid < 0) return Error{"cannot start " + argv[0] + ": " + std::strerror(fork_errno)};
  return std::unique_ptr<ServerProcess>(new ServerProcess(pid));
}

bool ServerProcess::running() {
  if (reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return !reaped_;
}

std::optional<int> ServerProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > give_up) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
  return exit_status_;
}

ServerProcess::~ServerProcess() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto give_up = std::chrono::steady_clock::now() + 3s;
  while (running() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(20ms);
  if (running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Result<std::unique_ptr<MitKdc>> MitKdc::start(const std::string& realm, TimeServerOptions options) {
  const std::string kdb5_util = find_program("kdb5_util"), krb5kdc = find_program("krb5kdc");
  if (kdb5_util.empty() || krb5kdc.empty()) return Error{"MIT Kerberos KDC not installed (Debian packages krb5-kdc krb5-admin-server)"};
  std::string error;
  auto fake = faketime_env(options, error);
  if (!error.empty()) return Error{error};

  std::unique_ptr<MitKdc> kdc(new MitKdc);
  kdc->dir_ = fresh_dir("authwatch-kdc-");
  kdc->realm_ = realm;
  kdc->port_ = free_loopback_port();
  if (kdc->port_ == 0) return Error{"no free loopback port"};
  const fs::path& d = kdc->dir_;
  const std::string listen = "127.0.0.1:" + std::to_string(kdc->port_);
  write_file(d / "krb5.conf", "[libdefaults]\n  default_realm = " + realm + "\n[realms]\n  " + realm + " = {\n    kdc = " + listen +
                                  "\n  }\n");
  write_file(d / "kdc.conf", "[kdcdefaults]\n  kdc_listen = " + listen + "\n  kdc_tcp_listen = " + listen + "\n[realms]\n  " + realm +
                                 " = {\n    database_name = " + (d / "principal").string() + "\n    key_stash_file = " +
                                 (d / "stash").string() + "\n    acl_file = " + (d / "kadm5.acl").string() +
                                 "\n    kdc_listen = " + listen + "\n    kdc_tcp_listen = " + listen + "\n  }\n[logging]\n  kdc = FILE:" +
                                 (d / "kdc.log").string() + "\n");
  write_file(d / "kadm5.acl", "");
  std::map<std::string, std::string> env{{"KRB5_CONFIG", (d / "krb5.conf").string()}, {"KRB5_KDC_PROFILE", (d / "kdc.conf").string()}};
  // The password only protects this throw-away database.
  if (run_to_completion({kdb5_util, "-r", realm, "create", "-s", "-P", "authwatch-test"}, env, d / "kdb5_util.log") != 0) {
    return Error{"kdb5_util create failed: " + read_tail(d / "kdb5_util.log")};
  }
  env.insert(fake.begin(), fake.end());
  auto process = ServerProcess::spawn({krb5kdc, "-n", "-r", realm}, env, d / "krb5kdc.out");
  if (!process) return Error{process.error()};
  kdc->process_ = std::move(process.value());
  const uint16_t port = kdc->port_;
  auto ready = wait_until_ready(*kdc->process_, [port] { return tcp_accepts(port); }, "krb5kdc", d / "krb5kdc.out");
  if (!ready) return Error{ready.error()};
  return kdc;
}

MitKdc::~MitKdc() {
  process_.reset();
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

Result<std::unique_ptr<ChronyServer>> ChronyServer::start(TimeServerOptions options) {
  const std::string chronyd = find_program("chronyd");
  if (chronyd.empty()) return Error{"chronyd not installed (Debian package chrony)"};
  std::string error;
  auto fake = faketime_env(options, error);
  if (!error.empty()) return Error{error};

  std::unique_ptr<ChronyServer> server(new ChronyServer);
  server->dir_ = fresh_dir("authwatch-chrony-");
  server->port_ = free_loopback_port();
  if (server->port_ == 0) return Error{"no free loopback port"};
  const fs::path& d = server->dir_;
  write_file(d / "chrony.conf", "port " + std::to_string(server->port_) +
                                    "\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n"
                                    // No command port and no Unix command socket: nothing outside the temp dir.
                                    "cmdport 0\nbindcmdaddress /\n"
                                    "driftfile " + (d / "drift").string() + "\npidfile " + (d / "chronyd.pid").string() + "\n");
  // -x: serve time without touching the system clock. As root, stay root (-u root) so the temp
  // dir stays writable; otherwise -U lets chronyd try without the root check.
  std::vector<std::string> argv{chronyd, "-f", (d / "chrony.conf").string(), "-x", "-d"};
  if (::geteuid() == 0) {
    argv.insert(argv.end(), {"-u", "root"});
  } else {
    argv.push_back("-U");
  }
  auto process = ServerProcess::spawn(argv, fake, d / "chronyd.log");
  if (!process) return Error{process.error()};
  server->process_ = std::move(process.value());
  const uint16_t port = server->port_;
  auto ready = wait_until_ready(*server->process_, [port] { return ntp_answers(port); }, "chronyd", d / "chronyd.log");
  if (!ready) return Error{ready.error()};
  return server;
}

ChronyServer::~ChronyServer() {
  process_.reset();
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

}  // namespace authwatch::test
