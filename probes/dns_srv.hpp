#pragma once
// DNS for DC discovery: SRV lookups (RFC 2782) through the platform resolver, and the one-packet
// DNS query/reply check the ports probe uses to call UDP 53 "open" only on a real DNS answer.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace authwatch::probes {

struct SrvRecord {
  uint16_t priority = 0, weight = 0, port = 0;
  std::string target;  // host name without the trailing dot
};

// The SRV records of `name`, sorted by priority then weight (highest first). `dns_server` (an
// IPv4 address, optionally ":port" for test servers; "" = the system's resolvers; IPv6 is not
// supported by the resolver's nsaddr_list) is asked over UDP only; a truncated answer is used
// as far as it goes rather than retried over TCP. The resolver counts in whole seconds: the
// call takes at most max(1 s, timeout rounded down). NXDOMAIN or no SRV data -> empty vector;
// timeout, refusal, SERVFAIL -> Error. Blocking: the caller runs it via run_blocking.
Result<std::vector<SrvRecord>> query_srv(const std::string& name, const std::string& dns_server, std::chrono::milliseconds timeout);

// A standard recursive query for `name`, type A, class IN, with this id (empty when `name` is
// not a valid domain name).
std::vector<uint8_t> make_dns_query(const std::string& name, uint16_t id);

// True when `bytes` is a well-formed DNS response (QR set, every section parses) carrying `id`.
bool is_dns_reply(std::span<const uint8_t> bytes, uint16_t id);

}  // namespace authwatch::probes
