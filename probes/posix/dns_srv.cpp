// SRV lookups and DNS query packets with the POSIX resolver (glibc libresolv): a private
// res_state per call, so the configured DNS server and timeout never touch the process-wide one.
#include "probes/dns_srv.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace authwatch::probes {
namespace {

using namespace std::chrono;

// res_ninit/res_nclose as a scope.
class ResolverState {
 public:
  ResolverState() : ok_(res_ninit(&state_) == 0) {}
  ~ResolverState() {
    if (ok_) res_nclose(&state_);
  }
  ResolverState(const ResolverState&) = delete;
  ResolverState& operator=(const ResolverState&) = delete;
  bool ok() const { return ok_; }
  struct __res_state* get() { return &state_; }

 private:
  struct __res_state state_{};
  bool ok_;
};

// "198.18.77.11" or "127.0.0.1:5353" (a port for test servers) -> sockaddr_in.
bool parse_server(const std::string& text, sockaddr_in& out) {
  std::string address = text;
  uint16_t port = 53;
  auto colon = text.find(':');
  if (colon != std::string::npos) {
    if (text.find(':', colon + 1) != std::string::npos) return false;  // IPv6: not supported by nsaddr_list
    address = text.substr(0, colon);
    auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
    if (ec != std::errc{} || end != text.data() + text.size() || port == 0) return false;
  }
  out = sockaddr_in{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  return inet_pton(AF_INET, address.c_str(), &out.sin_addr) == 1;
}

Result<std::vector<SrvRecord>> parse_srv_answer(const unsigned char* answer, int length) {
  ns_msg message;
  if (ns_initparse(answer, length, &message) < 0) return Error{"malformed DNS reply"};
  std::vector<SrvRecord> records;
  for (int i = 0; i < ns_msg_count(message, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&message, ns_s_an, i, &rr) < 0) return Error{"malformed answer record " + std::to_string(i + 1)};
    if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in) continue;  // e.g. a CNAME on the way
    constexpr size_t kFixedPart = 6;  // priority, weight, port
    if (ns_rr_rdlen(rr) < kFixedPart + 1) return Error{"SRV record " + std::to_string(i + 1) + " is too short"};
    const unsigned char* rdata = ns_rr_rdata(rr);
    SrvRecord srv;
    srv.priority = ns_get16(rdata);
    srv.weight = ns_get16(rdata + 2);
    srv.port = ns_get16(rdata + 4);
    char target[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(message), ns_msg_end(message), rdata + kFixedPart, target, sizeof target) < 0)
      return Error{"SRV record " + std::to_string(i + 1) + " has a malformed target"};
    srv.target = target;
    if (srv.target.empty()) continue;  // "." : the service is decidedly not available there (RFC 2782)
    records.push_back(std::move(srv));
  }
  std::stable_sort(records.begin(), records.end(), [](const SrvRecord& a, const SrvRecord& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
  });
  return records;
}

}  // namespace

Result<std::vector<SrvRecord>> query_srv(const std::string& name, const std::string& dns_server, milliseconds timeout) {
  const std::string asked = "SRV " + name + (dns_server.empty() ? "" : " at " + dns_server);
  try {
    if (name.empty()) return Error{"SRV lookup: empty name"};
    ResolverState resolver;
    if (!resolver.ok()) return Error{asked + ": cannot initialise the resolver"};
    struct __res_state* state = resolver.get();
    const int whole_seconds = std::max<int>(1, static_cast<int>(duration_cast<seconds>(timeout).count()));
    if (!dns_server.empty()) {
      sockaddr_in server;
      if (!parse_server(dns_server, server)) return Error{asked + ": the DNS server must be an IPv4 address (optionally :port)"};
      state->nsaddr_list[0] = server;
      state->nscount = 1;
    } else if (state->nscount > whole_seconds) {
      state->nscount = whole_seconds;  // each server gets at least the resolver's 1 s granule
    }
    // One round over the servers, each getting its share of the timeout; UDP only: a truncated
    // answer is used as it is, because glibc's TCP fallback has no connect timeout.
    state->retry = 1;
    state->retrans = std::max(1, whole_seconds / std::max(1, state->nscount));
    state->options |= RES_IGNTC;
    state->options &= ~static_cast<unsigned long>(RES_USEVC | RES_ROTATE);

    std::vector<unsigned char> answer(NS_MAXMSG);
    const auto started = steady_clock::now();
    errno = 0;
    const int length = res_nquery(state, name.c_str(), ns_c_in, ns_t_srv, answer.data(), static_cast<int>(answer.size()));
    const int send_errno = errno;
    const auto took = duration_cast<milliseconds>(steady_clock::now() - started).count();
    if (length >= 0) return parse_srv_answer(answer.data(), std::min<int>(length, static_cast<int>(answer.size())));
    switch (state->res_h_errno) {
      case HOST_NOT_FOUND:  // NXDOMAIN
      case NO_DATA:         // the name exists, without SRV records
        return std::vector<SrvRecord>{};
      case TRY_AGAIN:
        if (send_errno == ECONNREFUSED) return Error{asked + ": refused (ICMP port unreachable) after " + std::to_string(took) + " ms"};
        // glibc also moves on (and ends with ETIMEDOUT) on SERVFAIL/REFUSED answers: tell them
        // apart by whether the wait was used up.
        if (took + 50 >= state->retrans * 1000LL * state->nscount)
          return Error{asked + ": no reply within " + std::to_string(took) + " ms"};
        return Error{asked + ": the server failed or refused the query (SERVFAIL/REFUSED) after " + std::to_string(took) + " ms"};
      case NO_RECOVERY:
        return Error{asked + ": the server answered with an error (FORMERR/REFUSED/NOTIMP)"};
      default:
        return Error{asked + ": resolver error " + std::to_string(state->res_h_errno)};
    }
  } catch (const std::exception& e) {
    return Error{asked + ": " + e.what()};
  }
}

std::vector<uint8_t> make_dns_query(const std::string& name, uint16_t id) {
  try {
    ResolverState resolver;
    if (!resolver.ok()) return {};
    std::vector<uint8_t> packet(NS_MAXMSG);
    const int length = res_nmkquery(resolver.get(), ns_o_query, name.c_str(), ns_c_in, ns_t_a, nullptr, 0, nullptr,
                                    packet.data(), static_cast<int>(packet.size()));
    if (length < NS_HFIXEDSZ) return {};
    packet.resize(static_cast<size_t>(length));
    packet[0] = static_cast<uint8_t>(id >> 8);
    packet[1] = static_cast<uint8_t>(id & 0xff);
    return packet;
  } catch (const std::exception&) {
    return {};
  }
}

bool is_dns_reply(std::span<const uint8_t> bytes, uint16_t id) {
  if (bytes.size() < NS_HFIXEDSZ) return false;
  const uint16_t reply_id = static_cast<uint16_t>(bytes[0] << 8 | bytes[1]);
  const bool is_response = (bytes[2] & 0x80) != 0;
  const int opcode = (bytes[2] >> 3) & 0x0f;
  if (reply_id != id || !is_response || opcode != ns_o_query) return false;
  ns_msg message;  // every section must parse within the datagram
  return ns_initparse(bytes.data(), static_cast<int>(bytes.size()), &message) == 0;
}

}  // namespace authwatch::probes
