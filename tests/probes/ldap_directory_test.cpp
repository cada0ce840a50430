// The LDAP Directory (probes/ldap/directory.hpp) and its filter escaping: units, then the POSIX
// backend against the Samba lab — SASL GSSAPI bound with the lab admin's ticket to a DC given by
// IP (no reverse DNS: the ldap/<fqdn> name comes from the rootDSE), the global catalog, paged
// results, a missing base, a bind without credentials, and a black-holed DC.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "lab_env.hpp"
#include "ldap_lab.hpp"
#include "probes/ldap/dc_session.hpp"
#include "probes/ldap/directory.hpp"
#include "probes/ldap/filter.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr milliseconds kSlack{400};  // what a bounded call may take beyond its timeout

TEST(LdapFilter, EscapesTheFourSpecialCharactersAndNul) {
  EXPECT_EQ(escape_filter_value("SMTPSVC/ex2.contoso.com"), "SMTPSVC/ex2.contoso.com");
  EXPECT_EQ(escape_filter_value("a*b(c)d\\e"), "a\\2ab\\28c\\29d\\5ce");
  EXPECT_EQ(escape_filter_value(std::string_view("x\0y", 3)), "x\\00y");
  EXPECT_EQ(escape_filter_value("Exchange (Relay)"), "Exchange \\28Relay\\29");
  EXPECT_EQ(escape_filter_value("h\xc3\xa9llo"), "h\xc3\xa9llo") << "UTF-8 passes as it is";
}

TEST(LdapFilter, BuildsEqualityAndOrFilters) {
  EXPECT_EQ(equality_filter("servicePrincipalName", "SMTP/*"), "(servicePrincipalName=SMTP/\\2a)");
  EXPECT_EQ(any_of({}), "");
  EXPECT_EQ(any_of({"(a=1)"}), "(a=1)");
  EXPECT_EQ(any_of({"(a=1)", "(b=2)"}), "(|(a=1)(b=2))");
}

TEST(LdapEntry, AttributeNamesAreCaseInsensitive) {
  Entry e;
  e.dn = "CN=EX2,CN=Computers,DC=contoso,DC=com";
  e.attributes["servicePrincipalName"] = {"SMTPSVC/ex2", "SMTP/ex2"};
  e.attributes["dNSHostName"] = {};
  ASSERT_NE(e.values("SERVICEPRINCIPALNAME"), nullptr);
  EXPECT_EQ(e.values("serviceprincipalname")->size(), 2u);
  EXPECT_EQ(e.first("ServicePrincipalName"), "SMTPSVC/ex2");
  EXPECT_EQ(e.values("member"), nullptr);
  EXPECT_EQ(e.first("member"), "");
  EXPECT_EQ(e.first("dnshostname"), "") << "present without values";
}

TEST(LdapDirectory, RejectsBadOptionsByName) {
  ConnectOptions o;
  auto none = Directory::connect(o);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("no directory server"), std::string::npos) << none.error();
  o.host = "127.0.0.1";
  o.timeout = 0ms;
  auto zero = Directory::connect(o);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().find("timeout"), std::string::npos) << zero.error();
}

TEST(LdapDirectory, RefusedPortIsAConnectErrorNamingTheHost) {
  ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = 1;  // nothing listens there
  o.sasl_host = "dc1.lab.example";
  o.timeout = 2000ms;
  auto t0 = steady_clock::now();
  auto d = Directory::connect(o);
  ASSERT_FALSE(d.ok());
  EXPECT_LT(steady_clock::now() - t0, 1000ms);
  EXPECT_NE(d.error().find("127.0.0.1:1"), std::string::npos) << d.error();
  EXPECT_NE(d.error().find("connect"), std::string::npos) << d.error();
}

class DirectoryLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
  }
  ConnectOptions options(uint16_t port = kLdapPort) const {
    ConnectOptions o;
    o.host = test::dc_ip(1);
    o.port = port;
    o.ccache = test::lab_ccache();
    o.timeout = 5000ms;
    return o;
  }
  test::LabKerberosEnv krb5_;
};

std::set<std::string> dns_of(const std::vector<Entry>& entries) {
  std::set<std::string> out;
  for (const auto& e : entries) out.insert(to_lower(e.dn));
  return out;
}

TEST_F(DirectoryLab, GssapiBindByIpFindsTheAdministrator) {
  // The DC is given by IP; without the rootDSE's dnsHostName GSSAPI would ask for ldap/<ip>.
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
  ASSERT_NE(found.value()[0].values("memberOf"), nullptr);
  // memberOf is only readable bound: an anonymous search would not see the group memberships.
  EXPECT_GE(found.value()[0].values("memberOf")->size(), 3u);
}

TEST_F(DirectoryLab, GivenSaslHostSkipsTheRootDse) {
  auto o = options();
  o.sasl_host = "dc1.lab.example";
  auto d = Directory::connect(o);
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "";
  r.scope = Scope::Base;
  r.attributes = {"dnsHostName"};
  auto root = d.value().search(r);
  ASSERT_TRUE(root.ok()) << root.error();
  ASSERT_EQ(root.value().size(), 1u);
  EXPECT_TRUE(iequals(root.value()[0].first("dnsHostName"), "dc1.lab.example"));
}

TEST_F(DirectoryLab, WrongSaslHostIsABindErrorNamingThePrincipal) {
  auto o = options();
  o.sasl_host = "nosuchdc.lab.example";
  auto d = Directory::connect(o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find("ldap/nosuchdc.lab.example"), std::string::npos) << d.error();
  EXPECT_NE(d.error().find("Server not found in Kerberos database"), std::string::npos) << d.error();
}

TEST_F(DirectoryLab, GlobalCatalogCoversTheForestFromTheEmptyBase) {
  auto d = Directory::connect(options(kGlobalCatalogPort));
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "";
  r.filter = "(objectClass=crossRef)";  // in the configuration partition, which the GC holds too
  r.attributes = {"nETBIOSName", "nCName"};
  auto found = d.value().search(r);
  ASSERT_TRUE(found.ok()) << found.error();
  auto lab = std::find_if(found.value().begin(), found.value().end(), [](const Entry& e) { return e.first("nETBIOSName") == "LAB"; });
  ASSERT_NE(lab, found.value().end());
  EXPECT_TRUE(iequals(lab->first("nCName"), "DC=lab,DC=example"));
}

TEST_F(DirectoryLab, PagesOfTwoGiveWhatOnePageGives) {
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

TEST_F(DirectoryLab, MissingBaseIsAnEmptyResult) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "CN=No Such Container,DC=lab,DC=example";
  auto found = d.value().search(r);
  ASSERT_TRUE(found.ok()) << found.error();
  EXPECT_TRUE(found.value().empty());
}

TEST_F(DirectoryLab, BadFilterIsAnErrorNamingBaseAndFilter) {
  auto d = Directory::connect(options());
  ASSERT_TRUE(d.ok()) << d.error();
  SearchRequest r;
  r.base = "DC=lab,DC=example";
  r.filter = "(cn=unclosed";
  auto found = d.value().search(r);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().find("DC=lab,DC=example"), std::string::npos) << found.error();
  EXPECT_NE(found.error().find("(cn=unclosed"), std::string::npos) << found.error();
}

TEST_F(DirectoryLab, BindWithoutCredentialsIsAClearError) {
  auto o = options();
  o.ccache = "FILE:" + test::lab_dir() + "/no-such-ccache";
  auto d = Directory::connect(o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find(test::dc_ip(1)), std::string::npos) << d.error();
  EXPECT_NE(d.error().find("bind (SASL GSSAPI for ldap/dc1.lab.example)"), std::string::npos) << d.error();
  EXPECT_NE(d.error().find("no-such-ccache"), std::string::npos) << "the message should name the empty cache: " << d.error();
}

// Samba's self-signed certificate (CN=DC1.lab.example) and its CA, made at provisioning.
std::shared_ptr<SimpleBind> administrator(bool starttls, std::string password = "Passw0rd!Lab") {
  auto simple = std::make_shared<SimpleBind>();
  simple->dn = "Administrator@lab.example";
  simple->password = std::move(password);
  simple->starttls = starttls;
  simple->ca_file = test::lab_dir() + "/dc1/private/tls/ca.pem";
  return simple;
}

TEST_F(DirectoryLab, SimpleBindOverLdapsAndStartTls) {
  for (const bool starttls : {false, true}) {
    auto o = options(starttls ? kLdapPort : 636);
    o.simple = administrator(starttls);
    auto d = Directory::connect(o);
    ASSERT_TRUE(d.ok()) << (starttls ? "StartTLS: " : "LDAPS: ") << d.error();
    SearchRequest r;
    r.base = "DC=lab,DC=example";
    r.filter = "(sAMAccountName=Administrator)";
    r.attributes = {"memberOf"};
    auto found = d.value().search(r);
    ASSERT_TRUE(found.ok()) << found.error();
    ASSERT_EQ(found.value().size(), 1u);
    EXPECT_NE(found.value()[0].values("memberOf"), nullptr) << "bound: the group memberships are readable";
  }
}

TEST_F(DirectoryLab, SimpleBindFailuresNameTheStep) {
  auto o = options(636);
  o.simple = administrator(false, "wrong password");
  auto wrong = Directory::connect(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("simple bind as Administrator@lab.example"), std::string::npos) << wrong.error();
  EXPECT_NE(wrong.error().find("Invalid credentials"), std::string::npos) << wrong.error();

  auto untrusted = administrator(false);
  untrusted->ca_file = test::lab_dir() + "/etc/krb5.conf";  // not the DC's CA: the certificate must not pass
  o.simple = untrusted;
  auto refused = Directory::connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("TLS"), std::string::npos) << refused.error();
}

TEST_F(DirectoryLab, BlackHoledDcEndsByTheTimeout) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("block 1 389"), 0);
  for (const bool name_given : {true, false}) {
    auto o = options();
    o.timeout = 1000ms;
    if (name_given) o.sasl_host = "dc1.lab.example";  // straight to the TCP connect; else the rootDSE read
    auto t0 = steady_clock::now();
    auto d = Directory::connect(o);
    auto took = steady_clock::now() - t0;
    ASSERT_FALSE(d.ok());
    EXPECT_GE(took, 900ms);
    EXPECT_LE(took, 1000ms + kSlack);
    EXPECT_NE(d.error().find(test::dc_ip(1) + ":389"), std::string::npos) << d.error();
    EXPECT_NE(d.error().find(name_given ? "connect" : "rootDSE"), std::string::npos) << d.error();
  }
}

TEST_F(DirectoryLab, SessionFallsToTheNextDcWhenTheFirstIsSilent) {
  test::UnblockDc1OnExit unblock;
  ASSERT_EQ(test::lab_cmd("block 1 389"), 0);
  const auto t0 = steady_clock::now();
  // DC1 is silent; the loopback refuses at once: both within the deadline, both named.
  auto session = open_dc_session({test::dc_ip(1), "127.0.0.1"}, kLdapPort, test::lab_ccache(), t0 + 2000ms);
  ASSERT_FALSE(session.ok());
  EXPECT_LE(steady_clock::now() - t0, 2000ms + kSlack);
  EXPECT_NE(session.error().find(test::dc_ip(1)), std::string::npos) << session.error();
  EXPECT_NE(session.error().find("127.0.0.1"), std::string::npos) << session.error();
  // The silent DC got only its share: the second host was still tried.
  EXPECT_NE(session.error().find("127.0.0.1:389"), std::string::npos) << session.error();
}

TEST_F(DirectoryLab, SessionReadsTheNamingContexts) {
  auto session = open_dc_session({test::dc_ip(1)}, kLdapPort, test::lab_ccache(), steady_clock::now() + 5000ms);
  ASSERT_TRUE(session.ok()) << session.error();
  EXPECT_EQ(session.value().contexts.default_nc, "DC=lab,DC=example");
  EXPECT_EQ(session.value().contexts.configuration_nc, "CN=Configuration,DC=lab,DC=example");
  EXPECT_EQ(session.value().contexts.schema_nc, "CN=Schema,CN=Configuration,DC=lab,DC=example");
  EXPECT_EQ(session.value().source(), "dc1.lab.example (" + test::dc_ip(1) + ":389)");
}

}  // namespace
}  // namespace authwatch::probes::ldap
