#include "probes/protocols/kerberos.hpp"

#include <chrono>

#include "probes/protocols/der.hpp"

namespace authwatch::probes::kerberos {
namespace {

constexpr unsigned kAsReqApplication = 10;
constexpr unsigned kAsRepApplication = 11;
constexpr unsigned kKrbErrorApplication = 30;
constexpr int kPvno = 5;
constexpr int kMsgTypeAsReq = 10;
constexpr int kMsgTypeKrbError = 30;
// aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96, rc4-hmac: what an AD KDC and MIT accept.
constexpr int kEtypes[] = {18, 17, 23};

using Bytes = std::vector<uint8_t>;

Bytes field(unsigned n, std::span<const uint8_t> inner) { return der::explicit_tag(der::context_tag(n), inner); }

Bytes principal_name(int name_type, std::initializer_list<std::string> components) {
  Bytes strings;
  for (const auto& c : components) {
    auto s = der::general_string(c);
    strings.insert(strings.end(), s.begin(), s.end());
  }
  return der::sequence({field(0, der::integer(name_type)), field(1, der::element(der::kSequence, strings))});
}

// Reads a whole element as one [n] field's single inner element, checking the inner tag.
Result<der::Tlv> inner_of(const der::Tlv& outer, uint8_t inner_tag, const std::string& what) {
  der::Reader reader(outer.content);
  auto inner = reader.expect(inner_tag, what);
  if (!inner) return inner;
  if (!reader.at_end()) return Error{"KRB-ERROR: trailing bytes inside " + what};
  return inner;
}

Result<int64_t> integer_field(const der::Tlv& outer, const std::string& what) {
  auto inner = inner_of(outer, der::kInteger, what);
  if (!inner) return Error{inner.error()};
  auto value = der::parse_integer(inner.value().content);
  if (!value) return Error{value.error() + " (" + what + ")"};
  return value;
}

Result<std::string> string_field(const der::Tlv& outer, const std::string& what) {
  auto inner = inner_of(outer, der::kGeneralString, what);
  if (!inner) return Error{inner.error()};
  return std::string(inner.value().content.begin(), inner.value().content.end());
}

Result<TimePoint> time_field(const der::Tlv& outer, const std::string& what) {
  auto inner = inner_of(outer, der::kGeneralizedTime, what);
  if (!inner) return Error{inner.error()};
  auto t = der::parse_generalized_time(inner.value().content);
  if (!t) return Error{t.error() + " (" + what + ")"};
  return t;
}

Result<int64_t> microseconds_field(const der::Tlv& outer, const std::string& what) {
  auto us = integer_field(outer, what);
  if (!us) return us;
  if (us.value() < 0 || us.value() > 999999) {
    return Error{"KRB-ERROR: " + what + " " + std::to_string(us.value()) + " is outside 0..999999"};
  }
  return us;
}

// PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }
Result<std::string> principal_field(const der::Tlv& outer, const std::string& what) {
  auto seq = inner_of(outer, der::kSequence, what);
  if (!seq) return Error{seq.error()};
  der::Reader fields(seq.value().content);
  auto type = fields.expect(der::context_tag(0), what + " name-type");
  if (!type) return Error{type.error()};
  if (auto n = integer_field(type.value(), what + " name-type"); !n) return Error{n.error()};
  auto names = fields.expect(der::context_tag(1), what + " name-string");
  if (!names) return Error{names.error()};
  if (!fields.at_end()) return Error{"KRB-ERROR: trailing bytes in " + what};
  auto list = inner_of(names.value(), der::kSequence, what + " name-string");
  if (!list) return Error{list.error()};
  der::Reader components(list.value().content);
  std::string joined;
  while (!components.at_end()) {
    auto c = components.expect(der::kGeneralString, what + " component");
    if (!c) return Error{c.error()};
    if (!joined.empty()) joined += '/';
    joined.append(c.value().content.begin(), c.value().content.end());
  }
  return joined;
}

TimePoint with_microseconds(TimePoint t, int64_t us) { return t + std::chrono::microseconds{us}; }

}  // namespace

std::vector<uint8_t> encode_as_req(const std::string& realm, const std::string& client_name, TimePoint now, uint32_t nonce) {
  Bytes etypes;
  for (int e : kEtypes) {
    auto i = der::integer(e);
    etypes.insert(etypes.end(), i.begin(), i.end());
  }
  const auto till = now + std::chrono::hours{24};
  Bytes body = der::sequence({
      field(0, der::flags32(kDefaultKdcOptions)),
      field(1, principal_name(kNtPrincipal, {client_name})),
      field(2, der::general_string(realm)),
      field(3, principal_name(kNtSrvInst, {"krbtgt", realm})),
      field(5, der::generalized_time(till)),
      field(7, der::integer(nonce)),
      field(8, der::element(der::kSequence, etypes)),
  });
  Bytes kdc_req = der::sequence({
      field(1, der::integer(kPvno)),
      field(2, der::integer(kMsgTypeAsReq)),
      field(4, body),
  });
  return der::explicit_tag(der::application_tag(kAsReqApplication), kdc_req);
}

ReplyKind classify_reply(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return ReplyKind::Other;
  if (bytes[0] == der::application_tag(kKrbErrorApplication)) return ReplyKind::KrbError;
  if (bytes[0] == der::application_tag(kAsRepApplication)) return ReplyKind::AsRep;
  return ReplyKind::Other;
}

Result<KrbError> decode_krb_error(std::span<const uint8_t> bytes) {
  der::Reader message(bytes);
  auto app = message.expect(der::application_tag(kKrbErrorApplication), "KRB-ERROR [APPLICATION 30]");
  if (!app) return Error{app.error()};
  if (!message.at_end()) return Error{"KRB-ERROR: " + std::to_string(message.remaining()) + " bytes after the message"};
  auto seq = inner_of(app.value(), der::kSequence, "KRB-ERROR SEQUENCE");
  if (!seq) return Error{seq.error()};

  KrbError out;
  bool seen[13] = {};
  int64_t susec = -1;
  std::optional<TimePoint> stime, ctime;
  int64_t cusec = 0;
  int last = -1;
  der::Reader fields(seq.value().content);
  while (!fields.at_end()) {
    auto f = fields.next();
    if (!f) return Error{f.error() + " (in KRB-ERROR)"};
    const uint8_t tag = f.value().tag;
    const int n = tag & 0x1f;
    if ((tag & 0xe0) != 0xa0 || n > 12) return Error{"KRB-ERROR: unexpected field tag " + std::to_string(tag)};
    // DER puts SEQUENCE fields in tag order, each at most once.
    if (n <= last) return Error{"KRB-ERROR: field [" + std::to_string(n) + "] out of order or repeated"};
    last = n;
    seen[n] = true;
    const der::Tlv& tlv = f.value();
    switch (n) {
      case 0: {
        auto v = integer_field(tlv, "pvno");
        if (!v) return Error{v.error()};
        if (v.value() != kPvno) return Error{"KRB-ERROR: pvno " + std::to_string(v.value()) + ", expected 5"};
        break;
      }
      case 1: {
        auto v = integer_field(tlv, "msg-type");
        if (!v) return Error{v.error()};
        if (v.value() != kMsgTypeKrbError) return Error{"KRB-ERROR: msg-type " + std::to_string(v.value()) + ", expected 30"};
        break;
      }
      case 2: {
        auto v = time_field(tlv, "ctime");
        if (!v) return Error{v.error()};
        ctime = v.value();
        break;
      }
      case 3: {
        auto v = microseconds_field(tlv, "cusec");
        if (!v) return Error{v.error()};
        cusec = v.value();
        break;
      }
      case 4: {
        auto v = time_field(tlv, "stime");
        if (!v) return Error{v.error()};
        stime = v.value();
        break;
      }
      case 5: {
        auto v = microseconds_field(tlv, "susec");
        if (!v) return Error{v.error()};
        susec = v.value();
        break;
      }
      case 6: {
        auto v = integer_field(tlv, "error-code");
        if (!v) return Error{v.error()};
        if (v.value() < INT32_MIN || v.value() > INT32_MAX) return Error{"KRB-ERROR: error-code out of Int32 range"};
        out.error_code = static_cast<int>(v.value());
        break;
      }
      case 7: {
        if (auto v = string_field(tlv, "crealm"); !v) return Error{v.error()};
        break;
      }
      case 8: {
        if (auto v = principal_field(tlv, "cname"); !v) return Error{v.error()};
        break;
      }
      case 9: {
        auto v = string_field(tlv, "realm");
        if (!v) return Error{v.error()};
        out.realm = std::move(v.value());
        break;
      }
      case 10: {
        auto v = principal_field(tlv, "sname");
        if (!v) return Error{v.error()};
        out.server_name = std::move(v.value());
        break;
      }
      case 11: {
        auto v = string_field(tlv, "e-text");
        if (!v) return Error{v.error()};
        out.e_text = std::move(v.value());
        break;
      }
      case 12: {
        if (auto v = inner_of(tlv, der::kOctetString, "e-data"); !v) return Error{v.error()};
        break;
      }
    }
  }
  if (!seen[0] || !seen[1]) return Error{"KRB-ERROR: missing pvno or msg-type"};
  if (!stime || susec < 0) return Error{"KRB-ERROR: missing stime or susec (the KDC's clock)"};
  if (!seen[6]) return Error{"KRB-ERROR: missing error-code"};
  out.server_time = with_microseconds(*stime, susec);
  if (ctime) out.client_time = with_microseconds(*ctime, cusec);
  return out;
}

std::string error_name(int code) {
  switch (code) {
    case 0: return "KDC_ERR_NONE";
    case 1: return "KDC_ERR_NAME_EXP";
    case 2: return "KDC_ERR_SERVICE_EXP";
    case 3: return "KDC_ERR_BAD_PVNO";
    case 6: return "KDC_ERR_C_PRINCIPAL_UNKNOWN";
    case 7: return "KDC_ERR_S_PRINCIPAL_UNKNOWN";
    case 8: return "KDC_ERR_PRINCIPAL_NOT_UNIQUE";
    case 12: return "KDC_ERR_POLICY";
    case 14: return "KDC_ERR_ETYPE_NOSUPP";
    case 18: return "KDC_ERR_CLIENT_REVOKED";
    case 23: return "KDC_ERR_KEY_EXPIRED";
    case 24: return "KDC_ERR_PREAUTH_FAILED";
    case 25: return "KDC_ERR_PREAUTH_REQUIRED";
    case 29: return "KDC_ERR_SVC_UNAVAILABLE";
    case 31: return "KRB_AP_ERR_BAD_INTEGRITY";
    case 32: return "KRB_AP_ERR_TKT_EXPIRED";
    case 33: return "KRB_AP_ERR_TKT_NYV";
    case 34: return "KRB_AP_ERR_REPEAT";
    case 35: return "KRB_AP_ERR_NOT_US";
    case 37: return "KRB_AP_ERR_SKEW";
    case 41: return "KRB_AP_ERR_MODIFIED";
    case 52: return "KRB_ERR_RESPONSE_TOO_BIG";
    case 60: return "KRB_ERR_GENERIC";
    case 68: return "KDC_ERR_WRONG_REALM";
    default: return "KRB_ERROR_" + std::to_string(code);
  }
}

}  // namespace authwatch::probes::kerberos
