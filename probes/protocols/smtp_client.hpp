#pragma once
// The client side of an SMTP EHLO conversation, enough to see what a peer Exchange server's
// receive connector offers (docs/domain.md §3): banner, EHLO capabilities, QUIT. No mail is sent and
// no authentication is attempted. Every step runs under one deadline and every read is bounded,
// because the peer may be silent, slow, or send garbage.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without including it
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "probes/async_util.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

struct EhloResult {
  bool ok = false;                         // a 220 banner and a 250 EHLO reply were read
  std::string banner;                      // the 220 reply, lines joined by '\n', codes included
  std::string server_name;                 // the FQDN the peer names in its EHLO reply
  std::vector<std::string> capabilities;   // EHLO keywords with their parameters, e.g. "X-EXPS GSSAPI NTLM"
  bool x_anonymoustls = false, x_exps = false, x_exps_exchangeauth = false, x_exps_gssapi = false, starttls = false;
  std::string error;                       // why !ok: refused, timed out, garbage, oversized, or the peer's reply
  double seconds = 0;                      // from the start of the connect to the complete EHLO reply (or the failure)
};

// Longest reply line accepted; RFC 5321 §4.5.3.1.5 allows 512, Exchange stays far below.
inline constexpr size_t kSmtpMaxLineBytes = 4096;

// One line of an SMTP reply: "250-PIPELINING", "250 XRDST", "220".
struct SmtpReplyLine {
  int code = 0;
  bool last = true;   // "ddd " or "ddd": the reply ends here; "ddd-": more lines follow
  std::string text;   // after the separator
};
// nullopt when the line is not "ddd", "ddd text" or "ddd-text" with a code in 200..599.
std::optional<SmtpReplyLine> parse_smtp_reply_line(std::string_view line);

// A whole reply, assembled from its lines as they are read.
struct SmtpReply {
  int code = 0;
  std::vector<std::string> texts;  // printable, one per line
  std::string joined;              // "250-a\n250 b", for people
  bool complete = false;           // its last line ("ddd " or "ddd") was added
};
// Adds one line (without its CRLF) to `reply`: an error ("garbage: ...") when it is not a reply
// line or its code differs from the earlier lines'. The EHLO conversation reads every reply
// through it; the fuzz target feeds it lines directly.
std::optional<std::string> add_smtp_reply_line(SmtpReply& reply, std::string_view line);

// Peer text is untrusted and goes into JSON evidence: keep printable ASCII, show any other byte as \xNN.
std::string printable_ascii(std::string_view bytes);

// Fills server_name, capabilities and the capability flags of `out` from the texts of a 250 EHLO
// reply (first line: "<server> Hello [ip]", then one capability per line). Keywords and
// parameters compare case-insensitively.
void read_ehlo_capabilities(const std::vector<std::string>& reply_texts, EhloResult& out);

// This machine's host name, for EHLO: sending servers identify themselves by it, and the peer's
// reverse Kerberos authentication (docs/domain.md §3) is built from it, so never a made-up name.
std::string local_host_name();

// Connects (asio resolver + connect), reads the 220 banner (multi-line too), sends EHLO <ehlo_name>,
// reads the 250 reply, sends QUIT. Never throws; completes by `deadline` whatever the peer does.
// Total bytes read are capped at ctx.settings.max_reply_bytes, each line at kSmtpMaxLineBytes.
boost::asio::awaitable<EhloResult> smtp_ehlo(ProbeContext& ctx, std::string host, uint16_t port, std::string ehlo_name,
                                             SteadyTime deadline);

}  // namespace authwatch::probes
