// The ticket's kvno read from a Kerberos GSS-API initial context token (probes/win/initial_token.cpp):
// a token built here by RFC 2743 §3.1 and RFC 4120 §5.5.1 with the project's DER writer, then
// the same token with the parts the reader must check broken one at a time.
#include <gtest/gtest.h>

#include "probes/protocols/der.hpp"
#include "probes/win/initial_token.hpp"

using namespace authwatch::probes;

namespace {

std::vector<uint8_t> tagged(unsigned n, const std::vector<uint8_t>& inner) { return der::explicit_tag(der::context_tag(n), inner); }

// A KRB_AP_REQ for SMTPSVC/ex2 whose ticket's enc-part carries `kvno` (none when negative).
std::vector<uint8_t> ap_req(int kvno) {
  const std::vector<uint8_t> cipher = der::element(der::kOctetString, std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef});
  const auto etype = tagged(0, der::integer(18));
  const auto key_version = tagged(1, der::integer(kvno));
  const auto encrypted = tagged(2, cipher);
  const auto enc_part = kvno >= 0 ? der::sequence({etype, key_version, encrypted}) : der::sequence({etype, encrypted});
  const auto sname = der::sequence({tagged(0, der::integer(2)), tagged(1, der::sequence({der::general_string("SMTPSVC"),
                                                                                            der::general_string("ex2.contoso.com")}))});
  const auto ticket = der::explicit_tag(der::application_tag(1),
                                        der::sequence({tagged(0, der::integer(5)), tagged(1, der::general_string("CONTOSO.COM")),
                                                       tagged(2, sname), tagged(3, enc_part)}));
  const auto ap_options = tagged(2, der::element(der::kBitString, std::vector<uint8_t>{0x00, 0x20, 0x00, 0x00, 0x00}));
  const auto authenticator = tagged(4, der::sequence({tagged(0, der::integer(18)), tagged(2, cipher)}));
  return der::explicit_tag(der::application_tag(14), der::sequence({tagged(0, der::integer(5)), tagged(1, der::integer(14)), ap_options,
                                                                     tagged(3, ticket), authenticator}));
}

std::vector<uint8_t> gss_token(const std::vector<uint8_t>& inner, std::vector<uint8_t> oid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02},
                               std::vector<uint8_t> token_id = {0x01, 0x00}) {
  std::vector<uint8_t> body = der::element(0x06, oid);
  body.insert(body.end(), token_id.begin(), token_id.end());
  body.insert(body.end(), inner.begin(), inner.end());
  return der::element(der::application_tag(0), body);
}

}  // namespace

TEST(InitialToken, ReadsTheTicketKvno) {
  EXPECT_EQ(ticket_kvno_of_initial_token(gss_token(ap_req(3))), 3);
  EXPECT_EQ(ticket_kvno_of_initial_token(gss_token(ap_req(0x1234))), 0x1234);
}

TEST(InitialToken, NoKvnoWhenTheTicketHasNoneOrTheTokenIsNotAKrb5ApReq) {
  EXPECT_EQ(ticket_kvno_of_initial_token(gss_token(ap_req(-1))), std::nullopt) << "kvno is OPTIONAL in EncryptedData";
  // SPNEGO's OID (1.3.6.1.5.5.2): a Negotiate token, not the Kerberos package's.
  EXPECT_EQ(ticket_kvno_of_initial_token(gss_token(ap_req(3), {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02})), std::nullopt);
  EXPECT_EQ(ticket_kvno_of_initial_token(gss_token(ap_req(3), {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}, {0x02, 0x00})),
            std::nullopt)
      << "token id 02 00 is an AP-REP";
  auto whole = gss_token(ap_req(3));
  for (size_t cut = 0; cut < whole.size(); cut += 7) {
    std::vector<uint8_t> truncated(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(ticket_kvno_of_initial_token(truncated), std::nullopt) << "cut at " << cut;
  }
  EXPECT_EQ(ticket_kvno_of_initial_token({}), std::nullopt);
}
