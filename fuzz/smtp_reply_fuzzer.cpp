// SMTP replies (probes/protocols/smtp_client.cpp): a peer's bytes cut into lines as the EHLO
// conversation cuts them (LF-terminated, CR dropped, at most kSmtpMaxLineBytes), assembled into
// replies; the first is the banner (its date read as the clock probe reads it), the second the
// EHLO reply (its capabilities read). Checked: reply texts are printable ASCII, as promised for
// the JSON evidence they go into.
#include <string>

#include "core/text.hpp"
#include "core/time.hpp"
#include "fuzz/fuzz_support.hpp"
#include "probes/protocols/smtp_client.hpp"

using namespace authwatch;

namespace {

void require_printable(std::string_view text) {
  for (char c : text)
    authwatch::fuzz::require(c == '\n' || (c >= 0x20 && c < 0x7f), "reply text is printable ASCII", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = fuzz::as_text(data, size);
  probes::SmtpReply reply;
  int replies = 0;
  while (replies < 2) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos || eol > probes::kSmtpMaxLineBytes) break;
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto garbage = probes::add_smtp_reply_line(reply, line)) {
      require_printable(*garbage);
      break;
    }
    if (!reply.complete) continue;
    require_printable(reply.joined);
    if (++replies == 1) {
      const auto at = ifind(reply.joined, "ready at ");
      if (at != std::string::npos) (void)parse_rfc5322_date(std::string_view(reply.joined).substr(at + 9));
    } else {
      probes::EhloResult ehlo;
      probes::read_ehlo_capabilities(reply.texts, ehlo);
      for (const auto& capability : ehlo.capabilities) require_printable(capability);
      require_printable(ehlo.server_name);
    }
    reply = {};
  }
  return 0;
}
