// KRB-ERROR replies (probes/protocols/kerberos.cpp over der.cpp): a KDC's answer to the clock
// probe's AS-REQ, over UDP or after the TCP length prefix. Decoded as the probe decodes it, then
// judged as it judges it (error name, offset against the exchange's midpoint).
#include <chrono>

#include "fuzz/fuzz_support.hpp"
#include "probes/protocols/kerberos.hpp"

using namespace authwatch;
namespace kerberos = authwatch::probes::kerberos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = fuzz::as_bytes(data, size);
  if (kerberos::classify_reply(bytes) != kerberos::ReplyKind::KrbError) return 0;
  auto error = kerberos::decode_krb_error(bytes);
  if (!error) return 0;
  const auto& e = error.value();
  fuzz::require(!kerberos::error_name(e.error_code).empty(), "every error code has a name");
  const TimePoint midpoint{std::chrono::seconds{1710497000}};
  (void)std::chrono::duration<double>(e.server_time - midpoint).count();
  if (e.client_time) (void)std::chrono::duration<double>(*e.client_time - midpoint).count();
  return 0;
}
