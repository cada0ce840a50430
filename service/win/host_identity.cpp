// This server's FQDN and addresses on Windows: the DNS name the computer is joined with
// (ComputerNameDnsFullyQualified) and its adapters' unicast addresses.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "platform/win/wide_text.hpp"
#include "service/platform.hpp"

namespace authwatch::service {

HostIdentity this_host() {
  HostIdentity id;
  wchar_t name[256] = {};
  DWORD size = static_cast<DWORD>(std::size(name));
  if (GetComputerNameExW(ComputerNameDnsFullyQualified, name, &size) && size > 0) id.fqdn = platform::win::narrow(std::wstring_view(name, size));
  ULONG length = 16 * 1024;
  std::vector<unsigned char> buffer;
  ULONG result = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 3 && result == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buffer.resize(length);
    result = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER, nullptr,
                                  reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()), &length);
  }
  if (result != NO_ERROR) return id;
  for (auto* adapter = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()); adapter; adapter = adapter->Next) {
    if (adapter->IfType == IF_TYPE_SOFTWARE_LOOPBACK) continue;
    for (auto* u = adapter->FirstUnicastAddress; u; u = u->Next) {
      const sockaddr* a = u->Address.lpSockaddr;
      if (!a) continue;
      char text[INET6_ADDRSTRLEN] = {};
      if (a->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, text, sizeof text);
      } else if (a->sa_family == AF_INET6) {
        const auto* a6 = reinterpret_cast<const sockaddr_in6*>(a);
        if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr)) continue;
        inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text);
      } else {
        continue;
      }
      if (text[0] && std::find(id.addresses.begin(), id.addresses.end(), text) == id.addresses.end()) id.addresses.emplace_back(text);
    }
  }
  std::sort(id.addresses.begin(), id.addresses.end());
  if (id.addresses.size() > kMaxHostAddresses) id.addresses.resize(kMaxHostAddresses);
  return id;
}

}  // namespace authwatch::service
