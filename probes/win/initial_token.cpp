#include "probes/win/initial_token.hpp"

#include <algorithm>
#include <array>

#include "probes/protocols/der.hpp"

namespace authwatch::probes {
namespace {

constexpr uint8_t kOid = 0x06;
// 1.2.840.113554.1.2.2, the Kerberos V5 GSS-API mechanism, DER contents.
constexpr std::array<uint8_t, 9> kKrb5Mechanism{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
constexpr std::array<uint8_t, 2> kApReqTokenId{0x01, 0x00};

// The contents of the [n] field of a SEQUENCE's contents, or an empty optional when absent.
std::optional<std::span<const uint8_t>> field(std::span<const uint8_t> sequence, unsigned n) {
  der::Reader r(sequence);
  while (!r.at_end()) {
    auto tlv = r.next();
    if (!tlv) return std::nullopt;
    if (tlv.value().tag == der::context_tag(n)) return tlv.value().content;
  }
  return std::nullopt;
}

// The contents of the single element `tag` that `bytes` holds.
std::optional<std::span<const uint8_t>> only(std::span<const uint8_t> bytes, uint8_t tag) {
  der::Reader r(bytes);
  auto tlv = r.expect(tag, "element");
  if (!tlv) return std::nullopt;
  return tlv.value().content;
}

}  // namespace

std::optional<int> ticket_kvno_of_initial_token(std::span<const uint8_t> token) {
  auto framed = only(token, der::application_tag(0));
  if (!framed) return std::nullopt;
  der::Reader inner(*framed);
  auto oid = inner.expect(kOid, "mechanism");
  if (!oid || !std::equal(oid.value().content.begin(), oid.value().content.end(), kKrb5Mechanism.begin(), kKrb5Mechanism.end()))
    return std::nullopt;
  // After the mechanism: the two-octet token id, then the AP-REQ, to the end of the framing.
  const auto mechanism_end = oid.value().content.data() + oid.value().content.size();
  std::span<const uint8_t> rest(mechanism_end, framed->data() + framed->size());
  if (rest.size() < 2 || !std::equal(kApReqTokenId.begin(), kApReqTokenId.end(), rest.begin())) return std::nullopt;
  auto ap_req = only(rest.subspan(2), der::application_tag(14));
  if (!ap_req) return std::nullopt;
  auto ap_fields = only(*ap_req, der::kSequence);
  if (!ap_fields) return std::nullopt;
  auto ticket_field = field(*ap_fields, 3);
  if (!ticket_field) return std::nullopt;
  auto ticket = only(*ticket_field, der::application_tag(1));
  if (!ticket) return std::nullopt;
  auto ticket_fields = only(*ticket, der::kSequence);
  if (!ticket_fields) return std::nullopt;
  auto enc_part_field = field(*ticket_fields, 3);
  if (!enc_part_field) return std::nullopt;
  auto enc_part = only(*enc_part_field, der::kSequence);
  if (!enc_part) return std::nullopt;
  auto kvno_field = field(*enc_part, 1);
  if (!kvno_field) return std::nullopt;
  auto kvno = only(*kvno_field, der::kInteger);
  if (!kvno) return std::nullopt;
  auto value = der::parse_integer(*kvno);
  if (!value || value.value() < 0 || value.value() > 0x7fffffff) return std::nullopt;
  return static_cast<int>(value.value());
}

}  // namespace authwatch::probes
