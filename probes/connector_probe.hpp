#pragma once
// The "connector" probe (docs/domain.md §8): the peer's receive connectors as the configuration
// partition stores them (class msExchSmtpReceiveConnector). Exchange hands an inbound connection
// to the enabled connector whose binding has the port and whose RemoteIPRanges match the sender
// most specifically; when that connector lacks the ExchangeServer auth mechanism (bit 0x10 of
// msExchSMTPReceiveInboundSecurityFlag), this server's X-EXPS is refused: 504 5.7.4 / 454 4.7.0.
// A forest without the Exchange schema gives "skipped".
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

class ConnectorProbe final : public Probe {
 public:
  std::string name() const override { return "connector"; }
  // One finding for the peer server (targets.peer_fqdn, or the peer's host when it is a name);
  // covers_local/offending need targets.local_ip. Skipped without a DC or a peer name.
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// Receive connector AuthMechanism bits (msExchSMTPReceiveInboundSecurityFlag).
inline constexpr int64_t kAuthTls = 0x01, kAuthIntegrated = 0x02, kAuthBasicAuth = 0x04, kAuthBasicAuthRequireTls = 0x08,
                         kAuthExchangeServer = 0x10, kAuthExternalAuthoritative = 0x20;
// What Exchange uses when the attribute is absent (its schema default): Tls, BasicAuth,
// BasicAuthRequireTLS, ExchangeServer.
inline constexpr int64_t kAuthDefault = 29;

// "Tls, BasicAuth, ExchangeServer" as Get-ReceiveConnector shows it; "None" for 0.
std::string auth_mechanism_text(int64_t bits);

struct ReceiveConnector {
  std::string dn;
  std::string name;                         // the RDN, e.g. "Default EX2"
  std::optional<int64_t> auth_mechanism;    // absent in the directory: nullopt
  std::vector<std::string> bindings;        // "0.0.0.0:2525", "[::]:2525"
  std::vector<std::string> remote_ip_ranges;  // "0.0.0.0-255.255.255.255", "10.0.0.0/24", "10.0.0.5"
  bool enabled = true;                      // msExchSmtpReceiveEnabled
};

struct ConnectorReport {
  std::string server;    // the peer's short name, the finding's target
  std::string error;     // non-empty: the check could not be done
  bool schema_present = false;
  std::vector<ReceiveConnector> connectors;  // the server's only
  std::string local_ip;  // "" = unknown
  // The ports Exchange servers send to (targets.peer_smtp_ports, or the port of targets.peer):
  // only connectors bound to them take this server's mail; 587 client submission does not.
  std::vector<uint16_t> ports{25, 2525};
  std::string source;
};

// An address range of RemoteIPRanges, IPv4 as IPv4-mapped IPv6, so one comparison serves both.
struct IpRange {
  std::array<uint8_t, 16> first{}, last{};
};
// "a.b.c.d", "a.b.c.d-e.f.g.h", "a.b.c.d/n", the same in IPv6; nullopt when malformed.
std::optional<IpRange> parse_ip_range(std::string_view text);
bool range_contains(const IpRange& range, std::string_view ip);
// The port of a binding "0.0.0.0:2525" / "[::]:2525"; nullopt when malformed.
std::optional<uint16_t> binding_port(std::string_view binding);

// The verdict: fail when a connector that takes this server's connections (per port of `ports`,
// the most specific range covering local_ip) lacks ExchangeServer, or when no enabled connector
// on those ports has it.
Finding judge_connectors(const ConnectorReport& report);

}  // namespace authwatch::probes
