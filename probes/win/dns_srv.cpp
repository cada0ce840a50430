// SRV lookups with the Windows resolver (DnsQuery_W, dnsapi), and the DNS query/reply packets of
// the ports probe's UDP 53 check, written and checked here by RFC 1035's wire format (dnsapi has
// no equivalent of libresolv's res_nmkquery/ns_initparse that takes a caller's message id).
#include "probes/dns_srv.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <windns.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "platform/win/wide_text.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;

struct RecordListFree {
  void operator()(DNS_RECORDW* list) const { DnsRecordListFree(list, DnsFreeRecordList); }
};

using platform::win::narrow;
using platform::win::widen;

// "198.18.77.11" (optionally ":53") -> the address in network order. DnsQuery_W's server list
// (IP4_ARRAY) has no port, so any other port is refused rather than silently ignored.
bool parse_server(const std::string& text, IP4_ADDRESS& out, std::string& why) {
  std::string address = text;
  if (auto colon = text.find(':'); colon != std::string::npos) {
    uint16_t port = 0;
    auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
    if (ec != std::errc{} || end != text.data() + text.size() || text.find(':', colon + 1) != std::string::npos) {
      why = "the DNS server must be an IPv4 address (optionally :port)";
      return false;
    }
    if (port != 53) {
      why = "DnsQuery_W asks DNS servers on port 53 only (given :" + std::to_string(port) + ")";
      return false;
    }
    address = text.substr(0, colon);
  }
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    why = "the DNS server must be an IPv4 address (optionally :port)";
    return false;
  }
  out = parsed.s_addr;
  return true;
}

// Skips one (possibly compressed) name at `pos`; false when it runs past the message or is malformed.
bool skip_name(std::span<const uint8_t> m, size_t& pos) {
  for (int labels = 0; labels < 128; ++labels) {
    if (pos >= m.size()) return false;
    const uint8_t length = m[pos];
    if ((length & 0xC0) == 0xC0) {  // a pointer ends the name
      if (pos + 2 > m.size()) return false;
      const size_t target = static_cast<size_t>((length & 0x3F) << 8 | m[pos + 1]);
      if (target >= m.size()) return false;
      pos += 2;
      return true;
    }
    if ((length & 0xC0) != 0) return false;  // 0x40/0x80: reserved label types
    pos += 1 + length;
    if (length == 0) return pos <= m.size();
  }
  return false;
}

uint16_t get16(std::span<const uint8_t> m, size_t pos) { return static_cast<uint16_t>(m[pos] << 8 | m[pos + 1]); }

}  // namespace

Result<std::vector<SrvRecord>> query_srv(const std::string& name, const std::string& dns_server, milliseconds timeout) {
  const std::string asked = "SRV " + name + (dns_server.empty() ? "" : " at " + dns_server);
  try {
    if (name.empty()) return Error{"SRV lookup: empty name"};
    // IP4_ARRAY holds one address inline: exactly the one server we ask.
    IP4_ARRAY servers{};
    if (!dns_server.empty()) {
      std::string why;
      if (!parse_server(dns_server, servers.AddrArray[0], why)) return Error{asked + ": " + why};
      servers.AddrCount = 1;
    }
    // DnsQuery_W has no timeout parameter: the caller's run_blocking deadline bounds the wait.
    (void)timeout;
    DNS_RECORDW* raw = nullptr;
    const auto started = steady_clock::now();
    const DNS_STATUS status = DnsQuery_W(widen(name).c_str(), DNS_TYPE_SRV,
                                         DNS_QUERY_BYPASS_CACHE | DNS_QUERY_NO_HOSTS_FILE | DNS_QUERY_ACCEPT_TRUNCATED_RESPONSE,
                                         dns_server.empty() ? nullptr : &servers, &raw, nullptr);
    std::unique_ptr<DNS_RECORDW, RecordListFree> records(raw);
    const auto took = duration_cast<milliseconds>(steady_clock::now() - started).count();
    switch (status) {
      case ERROR_SUCCESS: break;
      case DNS_ERROR_RCODE_NAME_ERROR:  // NXDOMAIN
      case DNS_INFO_NO_RECORDS:         // the name exists, without SRV records
        return std::vector<SrvRecord>{};
      case ERROR_TIMEOUT:
        return Error{asked + ": no reply within " + std::to_string(took) + " ms"};
      case DNS_ERROR_RCODE_SERVER_FAILURE:
      case DNS_ERROR_RCODE_REFUSED:
        return Error{asked + ": the server failed or refused the query (SERVFAIL/REFUSED) after " + std::to_string(took) + " ms"};
      case DNS_ERROR_RCODE_FORMAT_ERROR:
      case DNS_ERROR_RCODE_NOT_IMPLEMENTED:
        return Error{asked + ": the server answered with an error (FORMERR/NOTIMP)"};
      default:
        return Error{asked + ": DnsQuery_W error " + std::to_string(status)};
    }
    std::vector<SrvRecord> found;
    for (const DNS_RECORDW* r = records.get(); r; r = r->pNext) {
      if (r->wType != DNS_TYPE_SRV || r->Flags.S.Section != DnsSectionAnswer) continue;  // e.g. a CNAME on the way
      SrvRecord srv;
      srv.priority = r->Data.SRV.wPriority;
      srv.weight = r->Data.SRV.wWeight;
      srv.port = r->Data.SRV.wPort;
      srv.target = narrow(r->Data.SRV.pNameTarget);
      while (!srv.target.empty() && srv.target.back() == '.') srv.target.pop_back();
      if (srv.target.empty()) continue;  // "." : the service is decidedly not available there (RFC 2782)
      found.push_back(std::move(srv));
    }
    std::stable_sort(found.begin(), found.end(), [](const SrvRecord& a, const SrvRecord& b) {
      return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
    });
    return found;
  } catch (const std::exception& e) {
    return Error{asked + ": " + e.what()};
  }
}

std::vector<uint8_t> make_dns_query(const std::string& name, uint16_t id) {
  // Header: id, flags 0x0100 (standard query, recursion desired), QDCOUNT 1.
  std::vector<uint8_t> packet{static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  std::string_view rest(name);
  if (rest.ends_with('.')) rest.remove_suffix(1);
  if (rest.empty() || rest.size() > 253) return {};
  while (!rest.empty()) {
    const size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63) return {};
    packet.push_back(static_cast<uint8_t>(label.size()));
    packet.insert(packet.end(), label.begin(), label.end());
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    if (dot != std::string_view::npos && rest.empty()) return {};  // "a..b" ends in an empty label
  }
  packet.insert(packet.end(), {0, 0, 1, 0, 1});  // root, QTYPE A, QCLASS IN
  return packet;
}

bool is_dns_reply(std::span<const uint8_t> bytes, uint16_t id) {
  constexpr size_t kHeader = 12;
  if (bytes.size() < kHeader) return false;
  const bool is_response = (bytes[2] & 0x80) != 0;
  const int opcode = (bytes[2] >> 3) & 0x0f;
  if (get16(bytes, 0) != id || !is_response || opcode != 0) return false;
  // Every section must parse within the datagram.
  size_t pos = kHeader;
  for (uint16_t q = get16(bytes, 4); q > 0; --q) {
    if (!skip_name(bytes, pos) || pos + 4 > bytes.size()) return false;
    pos += 4;
  }
  const unsigned records = static_cast<unsigned>(get16(bytes, 6)) + get16(bytes, 8) + get16(bytes, 10);
  for (unsigned r = 0; r < records; ++r) {
    if (!skip_name(bytes, pos) || pos + 10 > bytes.size()) return false;
    const size_t rdlength = get16(bytes, pos + 8);
    pos += 10 + rdlength;
    if (pos > bytes.size()) return false;
  }
  return true;
}

}  // namespace authwatch::probes
