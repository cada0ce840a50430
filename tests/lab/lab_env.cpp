#include "lab_env.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#ifndef AUTHWATCH_LAB_SCRIPT
#error "AUTHWATCH_LAB_SCRIPT must name tests/lab/adlab.sh"
#endif

namespace authwatch::test {

std::string dc_ip(int n) {
  const char* id = std::getenv("ADLAB_ID");
  const int lab = (id && id[0] >= '0' && id[0] <= '9' && id[1] == 0) ? id[0] - '0' : 0;
  return "198.18." + std::to_string(77 + lab) + ".1" + std::to_string(n);
}

bool lab_available(std::string& why) {
  if (geteuid() != 0) {
    why = "needs root: the Samba AD lab runs in network namespaces (run the tests as root, e.g. in .ci/run)";
    return false;
  }
  // 'status' exits 0 only when every provisioned DC answers an LDAP rootDSE search.
  if (lab_cmd("status >/dev/null 2>&1") != 0) {
    why = std::string("the Samba AD lab is not up (LDAP on ") + dc_ip(1) + " does not answer): run '" AUTHWATCH_LAB_SCRIPT
          " up 1' or the tests through ctest (fixture lab_up)";
    return false;
  }
  return true;
}

int lab_cmd(const std::string& args) {
  const std::string command = std::string("'") + AUTHWATCH_LAB_SCRIPT + "' " + args;
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::vector<uint8_t> udp_round_trip(const std::string& ip, uint16_t port, const std::vector<uint8_t>& request,
                                    std::chrono::milliseconds timeout) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &to.sin_addr) != 1) return {};
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return {};
  std::vector<uint8_t> reply;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    pollfd waiting{fd, POLLIN, 0};
    if (poll(&waiting, 1, static_cast<int>(timeout.count())) == 1) {
      reply.resize(64 * 1024);
      const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
      reply.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  close(fd);
  return reply;
}

}  // namespace authwatch::test
