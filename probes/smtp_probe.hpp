#pragma once
// The "smtp" probe: does the peer Exchange server's receive connector offer Exchange Server
// authentication? A connector without it advertises no X-EXPS in its EHLO reply, and every
// sending Exchange server then fails with 451 5.7.3 / 454 4.7.0 (docs/domain.md §3, §8).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/result.hpp"
#include "probes/probe.hpp"
#include "probes/protocols/smtp_client.hpp"

namespace authwatch::probes {

inline constexpr std::string_view kSmtpNoExchangeAuthRemediation = "enable ExchangeServer authentication on the receive connector";

class SmtpProbe final : public Probe {
 public:
  std::string name() const override { return "smtp"; }
  // One finding per port of targets.peer, the ports probed concurrently; skipped without a peer.
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// Where to probe: "host" -> host on each default port; "host:port" / "[v6]:port" -> just that port;
// a bare IPv6 literal keeps the default ports.
struct SmtpPeer {
  std::string host;
  std::vector<uint16_t> ports;
};
Result<SmtpPeer> parse_smtp_peer(std::string_view peer, const std::vector<uint16_t>& default_ports);

// The finding for one probed port: ok when X-EXPS offers GSSAPI or EXCHANGEAUTH, fail when the
// port answers without them, error when no EHLO conversation took place.
Finding smtp_finding(const std::string& host, uint16_t port, const EhloResult& result);

}  // namespace authwatch::probes
