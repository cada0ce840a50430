// The DER reader (probes/protocols/der.cpp) over arbitrary bytes: every element, constructed ones
// opened recursively (to a bounded depth), INTEGER and GeneralizedTime contents decoded. Checked:
// element contents lie inside the input; a decoded INTEGER or time encodes back to the same value.
#include "fuzz/fuzz_support.hpp"
#include "probes/protocols/der.hpp"

using namespace authwatch;
namespace der = authwatch::probes::der;

namespace {

constexpr int kMaxDepth = 32;

void walk(std::span<const uint8_t> bytes, std::span<const uint8_t> input, int depth) {
  der::Reader reader(bytes);
  while (!reader.at_end()) {
    auto element = reader.next();
    if (!element) return;
    const auto& tlv = element.value();
    fuzz::require(tlv.content.empty() || (tlv.content.data() >= input.data() &&
                                          tlv.content.data() + tlv.content.size() <= input.data() + input.size()),
                  "an element's contents lie inside the input");
    if (tlv.tag == der::kInteger) {
      if (auto value = der::parse_integer(tlv.content)) {
        const auto encoded = der::integer(value.value());
        der::Reader again(encoded);
        auto back = again.expect(der::kInteger, "INTEGER");
        fuzz::require(back && der::parse_integer(back.value().content).value() == value.value(), "an INTEGER encodes back to itself");
      }
    } else if (tlv.tag == der::kGeneralizedTime) {
      if (auto time = der::parse_generalized_time(tlv.content)) {
        const auto encoded = der::generalized_time(time.value());
        der::Reader again(encoded);
        auto back = again.expect(der::kGeneralizedTime, "GeneralizedTime");
        fuzz::require(back && der::parse_generalized_time(back.value().content).value() == time.value(),
                      "a GeneralizedTime encodes back to itself");
      }
    } else if ((tlv.tag & 0x20) && depth < kMaxDepth) {
      walk(tlv.content, input, depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = fuzz::as_bytes(data, size);
  walk(input, input, 0);
  return 0;
}
