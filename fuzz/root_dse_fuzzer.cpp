// The rootDSE read (probes/ldap/root_dse.cpp): the bytes a directory server sends back for the
// anonymous base search, through OpenLDAP's client exactly as the clock and dns probes read them.
// A loopback listener plays the server: it takes the connection, reads the request, answers with
// the input and closes its side. Debian's libldap is not instrumented, so coverage guidance ends
// at its API: this target checks that whatever libldap makes of a hostile reply, read_root_dse
// returns a result or an error that says why (a hang is libFuzzer's -timeout finding; ASan
// watches the memory AuthWatch touches).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "fuzz/fuzz_support.hpp"
#include "probes/ldap/root_dse.hpp"

using namespace authwatch;

namespace {

int listener = -1;
uint16_t port = 0;

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// One connection: read the request, send `reply`, close our side, wait for the client to hang up.
void serve(std::string_view reply) {
  if (!wait_for(listener, POLLIN, 3000)) return;
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) return;
  char request[4096];
  if (wait_for(fd, POLLIN, 3000)) (void)::recv(fd, request, sizeof request, 0);
  for (size_t sent = 0; sent < reply.size();) {
    if (!wait_for(fd, POLLOUT, 3000)) break;
    const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  while (wait_for(fd, POLLIN, 3000) && ::recv(fd, request, sizeof request, 0) > 0) {
  }
  ::close(fd);
}

}  // namespace

// OpenLDAP 2.5.13 loses its pending request (about 4 KiB) when a reply holds an element longer than
// the message around it: ldap_unbind does not free it. That leak is libldap's (read_root_dse unbinds
// on every path), so it is suppressed by the function that allocates it; the slow unwinder is needed
// to see that function at all, Debian's libldap having no frame pointers.
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }
extern "C" const char* __lsan_default_suppressions() { return "leak:ldap_send_server_request\n"; }

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 4) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    fuzz::broken("a loopback listener for the fake directory server", std::strerror(errno));
  port = ntohs(address.sin_port);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::thread server(serve, fuzz::as_text(data, size));
  auto dse = probes::read_root_dse("127.0.0.1", port, std::chrono::milliseconds{1000});
  server.join();
  if (!dse) fuzz::require(!dse.error().empty(), "a failed read says why");
  return 0;
}
