// The Wldap32 Directory (probes/win/ldap_directory.cpp) under Wine, against the Samba lab's DC1
// where it is up. What Wine 8.0's wldap32 can do decides what runs here (tests/win/README.md):
//  - Negotiate as an explicit account (negotiate_as) works, through Wine's SASL GSS-SPNEGO over
//    secur32; so the searches, paging, binary values and errors are checked that way;
//  - Negotiate as the process's own account (NULL credentials, what the probes use) crashes
//    Wine 8.0's wldap32 (a NULL dereference in its SASL callback): that test runs on a
//    domain-joined Windows host only (AUTHWATCH_TEST_DC);
//  - Wine's wldap32 refuses LDAP_OPT_SERVER_CERTIFICATE, so LDAPS with a CA file is a clear error
//    there (the certificate check itself: cert_trust_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "probes/ldap/directory.hpp"
#include "wine.hpp"
#include "wine_lab.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr milliseconds kSlack{500};  // what a bounded call may take beyond its timeout (Wine is slower)

std::shared_ptr<NegotiateIdentity> lab_administrator(std::string password = "Passw0rd!Lab") {
  return std::make_shared<NegotiateIdentity>(NegotiateIdentity{"Administrator", "LAB", std::move(password)});
}

TEST(WldapDirectory, RejectsBadOptionsByName) {
  ConnectOptions o;
  auto none = Directory::connect(o);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("no directory server"), std::string::npos) << none.error();
  o.host = "127.0.0.1";
  o.timeout = 0ms;
  auto zero = Directory::connect(o);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().find("timeout"), std::string::npos) << zero.error();
  o.timeout = 1000ms;
  o.simple = std::make_shared<SimpleBind>(SimpleBind{"Administrator@lab.example", "x", false, ""});
  o.negotiate_as = lab_administrator();
  auto both = Directory::connect(o);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().find("both a simple bind and a Negotiate identity"), std::string::npos) << both.error();
  o.simple = nullptr;
  o.ccache = "FILE:/tmp/krb5cc_0";
  auto ccache = Directory::connect(o);
  ASSERT_FALSE(ccache.ok());
  EXPECT_NE(ccache.error().find("FILE:/tmp/krb5cc_0) cannot be used on Windows"), std::string::npos) << ccache.error();
}

TEST(WldapDirectory, RefusedPortIsAConnectErrorNamingTheHost) {
  ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = 1;  // nothing listens there
  o.timeout = 2000ms;
  o.negotiate_as = lab_administrator();
  const auto t0 = steady_clock::now();
  auto d = Directory::connect(o);
  ASSERT_FALSE(d.ok());
  EXPECT_LT(steady_clock::now() - t0, 1500ms);
  EXPECT_NE(d.error().find("127.0.0.1:1"), std::string::npos) << d.error();
  // Wine 8.0's ldap_connect returns success without connecting; its bind then finds the server down.
  EXPECT_NE(d.error().find(test::running_under_wine() ? "Server Down" : ": connect: "), std::string::npos) << d.error();
}

// Negotiate as the process's account: what the spn, replication and connector probes do.
TEST(WldapDirectory, NegotiateAsThisAccountOnADomainJoinedHost) {
  if (test::running_under_wine())
    GTEST_SKIP() << "Wine 8.0's wldap32 crashes on ldap_bind_s(LDAP_AUTH_NEGOTIATE) with NULL credentials (NULL dereference in "
                    "its SASL callback); run this on a domain-joined Windows host with AUTHWATCH_TEST_DC=<a DC's FQDN>";
  const std::string dc = test::env("AUTHWATCH_TEST_DC");
  if (dc.empty()) GTEST_SKIP() << "set AUTHWATCH_TEST_DC to a DC's FQDN (a domain-joined host) to run this";
  ConnectOptions o;
  o.host = dc;
  o.timeout = 5000ms;
  auto d = Directory::connect(o);
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "";
  r.scope = Scope::Base;
  r.attributes = {"defaultNamingContext"};
  auto root = d.value().search(r);
  ASSERT_TRUE(root.ok()) << root.error();
  ASSERT_EQ(root.value().size(), 1u);
  EXPECT_FALSE(root.value()[0].first("defaultNamingContext").empty());
}

class WldapLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  }
  static ConnectOptions options(uint16_t port = 389) {
    ConnectOptions o;
    o.host = test::dc_ip(1);
    o.port = port;
    o.timeout = 5000ms;
    o.negotiate_as = lab_administrator();
    return o;
  }
};

std::set<std::string> dns_of(const std::vector<Entry>& entries) {
  std::set<std::string> out;
  for (const auto& e : entries) out.insert(to_lower(e.dn));
  return out;
}

TEST_F(WldapLab, NegotiateAsTheAdministratorReadsItsGroups) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d.value().host(), test::dc_ip(1));
  SearchRequest r;
  r.base = "DC=lab,DC=example";
  r.filter = "(sAMAccountName=Administrator)";
  r.attributes = {"sAMAccountName", "memberOf"};
  auto found = d.value().search(r);
  ASSERT_TRUE(found.ok()) << found.error();
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].dn, "CN=Administrator,CN=Users,DC=lab,DC=example");
  EXPECT_EQ(found.value()[0].first("samaccountname"), "Administrator");
  ASSERT_NE(found.value()[0].values("memberOf"), nullptr) << "memberOf is readable only bound";
  EXPECT_GE(found.value()[0].values("memberOf")->size(), 3u);
}

TEST_F(WldapLab, BinaryValuesArriveByteForByte) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "DC=lab,DC=example";
  r.filter = "(sAMAccountName=Administrator)";
  r.attributes = {"objectSid", "objectGUID"};
  auto found = d.value().search(r);
  ASSERT_TRUE(found.ok()) << found.error();
  ASSERT_EQ(found.value().size(), 1u);
  // S-1-5-21-x-y-z-500: revision 1, 5 sub-authorities, authority 5, NUL bytes inside, RID 500 last.
  const std::string sid = found.value()[0].first("objectSid");
  ASSERT_EQ(sid.size(), 28u);
  EXPECT_EQ(sid[0], 1);
  EXPECT_EQ(sid[1], 5);
  EXPECT_EQ(sid.substr(2, 6), std::string("\0\0\0\0\0\x05", 6));
  EXPECT_EQ(sid.substr(24), std::string("\xf4\x01\0\0", 4));
  EXPECT_EQ(found.value()[0].first("objectGUID").size(), 16u);
}

TEST_F(WldapLab, PagesOfTwoGiveWhatOnePageGives) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "CN=Schema,CN=Configuration,DC=lab,DC=example";
  r.scope = Scope::OneLevel;
  r.filter = "(objectClass=classSchema)";
  r.attributes = {"lDAPDisplayName"};
  r.page_size = 1000;
  auto whole = d.value().search(r);
  ASSERT_TRUE(whole.ok()) << whole.error();
  ASSERT_GT(whole.value().size(), 200u) << "the AD schema has a few hundred classes";
  r.page_size = 2;
  auto paged = d.value().search(r);
  ASSERT_TRUE(paged.ok()) << paged.error();
  EXPECT_EQ(paged.value().size(), whole.value().size());
  EXPECT_EQ(dns_of(paged.value()), dns_of(whole.value()));
  // The connection stays usable after a search stopped early (its paging state released).
  r.size_limit = 5;
  auto five = d.value().search(r);
  ASSERT_TRUE(five.ok()) << five.error();
  EXPECT_EQ(five.value().size(), 5u);
  r.size_limit = 0;
  r.page_size = 500;
  auto again = d.value().search(r);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.value().size(), whole.value().size());
}

TEST_F(WldapLab, GlobalCatalogCoversTheForestFromTheEmptyBase) {
  auto d = Directory::connect(options(3268));
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "";
  r.filter = "(objectClass=crossRef)";
  r.attributes = {"nETBIOSName", "nCName"};
  auto found = d.value().search(r);
  ASSERT_TRUE(found.ok()) << found.error();
  auto lab = std::find_if(found.value().begin(), found.value().end(), [](const Entry& e) { return e.first("nETBIOSName") == "LAB"; });
  ASSERT_NE(lab, found.value().end());
  EXPECT_TRUE(iequals(lab->first("nCName"), "DC=lab,DC=example"));
}

TEST_F(WldapLab, MissingBaseIsEmptyAndABadFilterIsNamed) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "CN=No Such Container,DC=lab,DC=example";
  auto missing = d.value().search(r);
  ASSERT_TRUE(missing.ok()) << missing.error();
  EXPECT_TRUE(missing.value().empty());
  r.base = "DC=lab,DC=example";
  r.filter = "(cn=unclosed";
  auto bad = d.value().search(r);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("DC=lab,DC=example"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("(cn=unclosed"), std::string::npos) << bad.error();
}

TEST_F(WldapLab, AWrongPasswordIsABindErrorNamingTheAccount) {
  auto o = options();
  o.negotiate_as = lab_administrator("wrong password");
  auto d = Directory::connect(o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find(test::dc_ip(1) + ":389"), std::string::npos) << d.error();
  EXPECT_NE(d.error().find("bind (Negotiate as LAB\\Administrator)"), std::string::npos) << d.error();
}

TEST_F(WldapLab, AnAddressNoHostAnswersEndsByTheTimeout) {
  if (test::running_under_wine())
    GTEST_SKIP() << "Wine 8.0's ldap_connect does not connect (nor time out): the connection is made by the bind, without a "
                    "timeout; ldap_connect's timeout is asserted on a Windows host";
  auto o = options();
  o.host = test::lab_ip(99);
  o.timeout = 1000ms;
  const auto t0 = steady_clock::now();
  auto d = Directory::connect(o);
  const auto took = steady_clock::now() - t0;
  ASSERT_FALSE(d.ok());
  EXPECT_LE(took, 1000ms + kSlack);
  EXPECT_NE(d.error().find(test::lab_ip(99) + ":389: connect"), std::string::npos) << d.error();
}

TEST_F(WldapLab, LdapsWithACaFile) {
  auto o = options(636);
  o.negotiate_as = nullptr;
  o.sasl_host = "DC1.lab.example";  // the name in Samba's self-signed certificate
  o.simple = std::make_shared<SimpleBind>(SimpleBind{"Administrator@lab.example", "Passw0rd!Lab", false,
                                                     test::lab_dir() + "\\dc1\\private\\tls\\ca.pem"});
  auto d = Directory::connect(o);
  if (test::running_under_wine()) {
    // Wine's wldap32 has no certificate callback: refused, never connected unchecked.
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("LDAP_OPT_SERVER_CERTIFICATE"), std::string::npos) << d.error();
    EXPECT_NE(d.error().find("ca.pem"), std::string::npos) << d.error();
    return;
  }
  ASSERT_TRUE(d.ok()) << d.error();
}

}  // namespace
}  // namespace authwatch::probes::ldap
