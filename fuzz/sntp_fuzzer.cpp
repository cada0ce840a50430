// SNTP replies (probes/protocols/sntp.cpp): a datagram as the clock probe receives it. Checked: the
// offset arithmetic the probe applies to a decoded reply, and that every decoded timestamp encodes
// back to itself (to_ntp(from_ntp(x)) names the same microsecond).
#include "fuzz/fuzz_support.hpp"
#include "probes/protocols/sntp.hpp"

using namespace authwatch;
namespace sntp = authwatch::probes::sntp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reply = sntp::decode_reply(fuzz::as_bytes(data, size));
  if (!reply) return 0;
  const auto& r = reply.value();
  const TimePoint t1{std::chrono::seconds{1710497000}}, t4 = t1 + std::chrono::milliseconds{3};
  (void)sntp::measure(t1, r, t4);
  // The times a timestamp can name: from era 0's middle to era 1's (RFC 4330 §3), the top bit telling
  // which. A fraction just below a second rounds up to the next microsecond, which at the window's
  // end is outside it; and the microsecond whose encoding is all zeros (2036-02-07T06:28:16Z) reads
  // back as "unknown", TimePoint{}. Inside, decoding then encoding names the same microsecond.
  const TimePoint window_start{std::chrono::seconds{2147483648LL - 2208988800LL}};
  const TimePoint window_end{std::chrono::seconds{4294967296LL + 2147483648LL - 2208988800LL}};
  for (TimePoint t : {r.reference, r.originate, r.receive, r.transmit}) {
    if (t == TimePoint{} || t < window_start || t >= window_end || sntp::to_ntp(t) == 0) continue;
    fuzz::require(sntp::from_ntp(sntp::to_ntp(t)) == t, "an NTP timestamp encodes back to itself");
  }
  return 0;
}
