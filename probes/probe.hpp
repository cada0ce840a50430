#pragma once
// The probe contract. A probe checks one cause of a 454 4.7.0 against the real network and
// reports Findings. It runs on the engine's io_context (blocking platform calls go to the
// engine's thread pool), gives every network step a deadline, never throws past its boundary,
// and completes by its deadline whatever the peer does.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/finding.hpp"

namespace authwatch::probes {

struct Endpoint {
  std::string host;  // name or IP literal
  uint16_t port = 0;
};

struct ProbeTargets {
  std::vector<std::string> dcs;  // domain controllers: configured, or found by the dns probe
  std::string domain;            // DNS domain (SRV discovery), e.g. lab.example
  std::string realm;             // Kerberos realm, e.g. LAB.EXAMPLE (default: upper-cased domain)
  std::string site;              // AD site, for the site-specific SRV names
  std::string dns_server;        // IP of the DNS server to ask ("" = the system resolver)
  std::string peer;              // the other Exchange server ("" = none), HOST or HOST:PORT
  std::vector<uint16_t> peer_smtp_ports{25, 2525};
  // Identities for the directory and Kerberos probes. The peer's FQDN names its computer account
  // and its SMTPSVC/ SPN (default: the peer's host when it is a name); the local FQDN is this
  // server's, whose SPNs and connectors' remote IP ranges matter too ("" = not checked).
  std::string peer_fqdn;
  std::string local_fqdn;
  std::string local_ip;          // this server's address as the peer sees it (connector RemoteIPRanges)
  // Kerberos credentials on POSIX: the usual environment (KRB5_CONFIG, KRB5CCNAME,
  // KRB5_CLIENT_KTNAME) unless set here. peer_keytab: the peer service's keys, when available
  // (tests, or run on the peer itself) so the service-ticket probe can also complete the accept side.
  std::string ccache;
  std::string client_keytab;
  std::string peer_keytab;
};

struct ProbeSettings {
  std::chrono::milliseconds deadline{3000};  // per probe, all its network steps included
  // A DC that is only slow must not pass for a firewalled one (docs/domain.md §10): probes that
  // conclude on silence (ports, ticket) try what went unanswered once more with this deadline
  // before they do. 0 = no retry. Such a probe's budget is deadline + slow_retry.
  std::chrono::milliseconds slow_retry{10000};
  std::chrono::seconds warn_skew{60};
  std::chrono::seconds fail_skew{300};       // Kerberos MaxClockSkew
  std::vector<uint16_t> tcp_ports{53, 88, 135, 389, 445, 464, 636, 3268, 3269};
  std::vector<uint16_t> udp_ports{53, 88, 389, 123};
  size_t max_reply_bytes = 64 * 1024;        // a peer sending more is garbage, not a reply
};

// What a probe gets to work with.
struct ProbeContext {
  boost::asio::io_context& io;
  boost::asio::thread_pool& blocking;  // for libldap, res_nquery, GSSAPI ...
  const ProbeTargets& targets;
  const ProbeSettings& settings;
};

// "ex2.contoso.com:2525" -> "ex2.contoso.com"; a name or an IPv6 literal without a port unchanged.
inline std::string host_part(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos || host_port.find(':') != colon) return host_port;
  return host_port.substr(0, colon);
}

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string name() const = 0;
  // How long the probe may take: settings.deadline, or deadline + slow_retry for one that retries
  // what was silent (the engine's watchdog keys on it).
  virtual std::chrono::milliseconds budget(const ProbeSettings& settings) const { return settings.deadline; }
  // Returns this probe's findings. Must not throw; must finish within budget(settings)
  // (the engine also enforces it and reports a probe that did not as an error).
  virtual boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) = 0;
};

}  // namespace authwatch::probes
