// repsFrom values (probes/ldap/reps_from.cpp): the binary REPS_FROM a DC returns for its NC heads.
// Checked: the GUIDs are the 36-character form or empty; the source address is UTF-8 (it goes
// into the probe's JSON findings).
#include "fuzz/fuzz_support.hpp"
#include "probes/ldap/reps_from.hpp"

using namespace authwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = probes::ldap::decode_reps_from(fuzz::as_text(data, size));
  if (!decoded) return 0;
  const auto& r = decoded.value();
  for (const auto* guid : {&r.source_dsa_guid, &r.source_invocation_id, &r.transport_guid})
    fuzz::require(guid->size() == 36, "a GUID is shown in its 36-character form", *guid);
  fuzz::require(fuzz::is_utf8(r.source_address) && fuzz::is_utf8(r.network_address), "addresses are UTF-8");
  return 0;
}
