// The configuration file (core/config.cpp): arbitrary text as `authwatch --config` and
// authwatch-service read it. Checked: every problem names a key.
#include "core/config.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = authwatch::parse_config(authwatch::fuzz::as_text(data, size), "/fuzz/authwatch.json");
  for (const auto& problem : parsed.problems) {
    authwatch::fuzz::require(!problem.key.empty(), "a config problem names a key");
    (void)problem.message();
  }
  return 0;
}
