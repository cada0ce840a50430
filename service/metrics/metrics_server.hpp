#pragma once
// GET /metrics over HTTP (Boost.Beast), on a thread of its own. It serves the last exposition the
// monitor loop published (publish(): a pointer swap) and never touches the database or waits on
// the loop. Bounded: request headers and body (kMaxRequestBytes; more closes the connection),
// concurrent connections (kMaxConnections; more are closed on accept), and each connection's
// time to send a request or take the answer (kConnectionTimeout). Anything but GET /metrics is
// answered 404 (another path) or 405 (another method).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace authwatch::service {

inline constexpr size_t kMaxRequestBytes = 8 * 1024;
inline constexpr size_t kMaxConnections = 16;
inline constexpr std::chrono::seconds kConnectionTimeout{10};

class MetricsServer {
 public:
  // Listens on `at` (port 0: a free one, see port()). The host is an address or a name the system
  // resolves (its first address).
  static Result<std::unique_ptr<MetricsServer>> start(const ListenEndpoint& at);
  ~MetricsServer();  // stops listening, closes the connections, joins the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void publish(std::string exposition);
  std::string address() const;  // "127.0.0.1:9464", "[::1]:9464": where it listens
  uint16_t port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authwatch::service
