// This server's FQDN and addresses on POSIX: the host name, its canonical name from the resolver
// (/etc/hosts or DNS, as the system is set up), the interfaces' unicast addresses.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "service/platform.hpp"

namespace authwatch::service {
namespace {

std::string canonical_name(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return host;
  std::string name = found->ai_canonname ? found->ai_canonname : host;
  freeaddrinfo(found);
  // A resolver that knows only "localhost" for this host says nothing about its name.
  return name.find('.') != std::string::npos && name.rfind("localhost", 0) != 0 ? name : host;
}

}  // namespace

HostIdentity this_host() {
  HostIdentity id;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) id.fqdn = canonical_name(host);
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return id;
  for (const ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    if (text[0] && std::find(id.addresses.begin(), id.addresses.end(), text) == id.addresses.end()) id.addresses.emplace_back(text);
  }
  freeifaddrs(list);
  std::sort(id.addresses.begin(), id.addresses.end());
  if (id.addresses.size() > kMaxHostAddresses) id.addresses.resize(kMaxHostAddresses);
  return id;
}

}  // namespace authwatch::service
