#include "probes/ldap/cldap.hpp"

#include <lber.h>
#include <ldap.h>

#include <memory>

namespace authwatch::probes {
namespace {

struct BerFree {
  void operator()(BerElement* ber) const { ber_free(ber, 1); }
};
using BerPtr = std::unique_ptr<BerElement, BerFree>;
struct BervalFree {
  void operator()(berval* bv) const { ber_bvfree(bv); }
};
using BervalPtr = std::unique_ptr<berval, BervalFree>;

// A decoder over a copy of `content`: nested elements are each read from their own reader, so
// an inner length can never reach past its outer element.
BerPtr reader_over(const berval& content) {
  berval copy = content;
  return BerPtr(ber_init(&copy));
}

}  // namespace

std::vector<uint8_t> make_cldap_search(int message_id) {
  BerPtr ber(ber_alloc_t(LBER_USE_DER));
  if (!ber) return {};
  const ber_int_t id = message_id, scope = LDAP_SCOPE_BASE, deref = LDAP_DEREF_NEVER, size_limit = 0, time_limit = 0,
                  types_only = 0;
  // LDAPMessage { messageID, [APPLICATION 3] SearchRequest { baseObject, scope, derefAliases,
  // sizeLimit, timeLimit, typesOnly, filter present [7] "objectClass", attributes { ... } } }
  if (ber_printf(ber.get(), "{it{seeiibts{s}}}", id, LDAP_REQ_SEARCH, "", scope, deref, size_limit, time_limit, types_only,
                 LDAP_FILTER_PRESENT, "objectClass", "dnsHostName") == -1)
    return {};
  berval* raw = nullptr;
  if (ber_flatten(ber.get(), &raw) != 0 || !raw) return {};
  BervalPtr flat(raw);
  const auto* begin = reinterpret_cast<const uint8_t*>(flat->bv_val);
  return std::vector<uint8_t>(begin, begin + flat->bv_len);
}

bool is_cldap_reply(std::span<const uint8_t> bytes, int message_id) {
  if (bytes.empty()) return false;
  try {
    std::vector<char> datagram(bytes.begin(), bytes.end());
    BerPtr whole = reader_over(berval{datagram.size(), datagram.data()});
    berval message{};
    if (!whole || ber_skip_element(whole.get(), &message) != LDAP_TAG_MESSAGE) return false;

    BerPtr fields = reader_over(message);
    ber_int_t id = 0;
    if (!fields || ber_get_int(fields.get(), &id) != LDAP_TAG_MSGID || id != message_id) return false;
    berval operation{};
    const ber_tag_t op = ber_skip_element(fields.get(), &operation);
    if (op != LDAP_RES_SEARCH_ENTRY && op != LDAP_RES_SEARCH_RESULT) return false;

    BerPtr body = reader_over(operation);
    if (!body) return false;
    if (op == LDAP_RES_SEARCH_ENTRY) {
      berval object_name{};
      return ber_get_stringbv(body.get(), &object_name, LBER_BV_NOTERM) == LBER_OCTETSTRING;
    }
    ber_int_t result_code = 0;
    return ber_get_enum(body.get(), &result_code) == LBER_ENUMERATED;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace authwatch::probes
