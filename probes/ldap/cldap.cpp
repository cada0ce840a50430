// The CLDAP rootDSE search and reply check, encoded and read with the project's DER codec
// (probes/protocols/der.hpp) on every platform, so the bytes the Windows build sends are the ones
// the Linux tests check: Wldap32's BER API cannot bound a decode to a datagram the way the ports
// probe needs, and OpenLDAP's liblber is not on Windows. RFC 4511, DER form.
#include "probes/ldap/cldap.hpp"

#include "probes/protocols/der.hpp"

namespace authwatch::probes {
namespace {

constexpr uint8_t kBoolean = 0x01;
constexpr uint8_t kEnumerated = 0x0a;
constexpr uint8_t kSearchRequest = der::application_tag(3);      // 0x63
constexpr uint8_t kSearchResultEntry = der::application_tag(4);  // 0x64
constexpr uint8_t kSearchResultDone = der::application_tag(5);   // 0x65
constexpr uint8_t kFilterPresent = 0x87;                         // [7] primitive

std::span<const uint8_t> bytes_of(std::string_view text) { return {reinterpret_cast<const uint8_t*>(text.data()), text.size()}; }

std::vector<uint8_t> enumerated(int64_t value) {
  auto encoded = der::integer(value);
  encoded[0] = kEnumerated;  // same contents as an INTEGER
  return encoded;
}

}  // namespace

std::vector<uint8_t> make_cldap_search(int message_id) {
  try {
    const auto object_name = der::element(der::kOctetString, bytes_of(""));
    const auto scope = enumerated(0), deref = enumerated(0);  // baseObject, neverDerefAliases
    const auto size_limit = der::integer(0), time_limit = der::integer(0);
    const uint8_t false_octet = 0x00;
    const auto types_only = der::element(kBoolean, std::span<const uint8_t>(&false_octet, 1));
    const auto filter = der::element(kFilterPresent, bytes_of("objectClass"));
    const auto attribute = der::element(der::kOctetString, bytes_of("dnsHostName"));
    const auto attributes = der::sequence({attribute});
    std::vector<uint8_t> body;
    for (const auto* part : {&object_name, &scope, &deref, &size_limit, &time_limit, &types_only, &filter, &attributes})
      body.insert(body.end(), part->begin(), part->end());
    const auto request = der::element(kSearchRequest, body);
    const auto id = der::integer(message_id);
    return der::sequence({id, request});
  } catch (const std::exception&) {
    return {};
  }
}

bool is_cldap_reply(std::span<const uint8_t> bytes, int message_id) {
  try {
    der::Reader whole(bytes);
    auto message = whole.expect(der::kSequence, "LDAPMessage");
    if (!message) return false;
    der::Reader fields(message.value().content);
    auto id = fields.expect(der::kInteger, "messageID");
    if (!id) return false;
    auto id_value = der::parse_integer(id.value().content);
    if (!id_value || id_value.value() != message_id) return false;
    auto operation = fields.next();
    if (!operation) return false;
    der::Reader body(operation.value().content);
    if (operation.value().tag == kSearchResultEntry) return static_cast<bool>(body.expect(der::kOctetString, "objectName"));
    if (operation.value().tag == kSearchResultDone) return static_cast<bool>(body.expect(kEnumerated, "resultCode"));
    return false;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace authwatch::probes
