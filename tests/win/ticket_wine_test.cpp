// The ticket probe's SSPI backend (probes/win/sspi_ticket.cpp) under Wine, against the Samba lab.
// Wine's Kerberos package runs MIT krb5 (kerberos.so) with the Unix environment's KRB5_CONFIG and
// KRB5CCNAME: with the lab's krb5.conf and its administrator's ccache (scripts/test-windows.sh
// exports both when the lab is up) it asks the lab's KDC as Windows' LSA would.
#include <gtest/gtest.h>

#include "probes/engine.hpp"
#include "probes/ldap/directory.hpp"
#include "probes/ticket_probe.hpp"
#include "wine.hpp"
#include "wine_lab.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono_literals;

class SspiTicketLab : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    if (test::env("KRB5CCNAME").empty() || test::env("KRB5_CONFIG").empty())
      AUTHWATCH_PEER_UNAVAILABLE() << "Wine's Kerberos package needs the lab's KRB5_CONFIG and KRB5CCNAME in the environment "
                      "(scripts/test-windows.sh exports them when the lab is up)";
  }
  static Finding probe(const std::string& peer_fqdn, const std::string& peer_keytab = "") {
    ProbeTargets targets;
    targets.dcs = {test::dc_ip(1)};
    targets.realm = "LAB.EXAMPLE";
    targets.peer_fqdn = peer_fqdn;
    targets.peer_keytab = peer_keytab;
    ProbeSettings settings;
    settings.deadline = 10000ms;
    std::vector<std::unique_ptr<Probe>> probes;
    probes.push_back(std::make_unique<TicketProbe>());
    return run_probes(std::move(probes), targets, settings).findings.at(0);
  }
};

// EXCH01$'s key version as AD has it, read with the Wldap32 Directory.
std::optional<int> exch01_kvno() {
  ldap::ConnectOptions o;
  o.host = test::dc_ip(1);
  o.timeout = 5000ms;
  o.negotiate_as = std::make_shared<ldap::NegotiateIdentity>(ldap::NegotiateIdentity{"Administrator", "LAB", "Passw0rd!Lab"});
  auto d = ldap::Directory::connect(o);
  if (!d) return std::nullopt;
  ldap::SearchRequest r;
  r.base = "DC=lab,DC=example";
  r.filter = "(sAMAccountName=EXCH01$)";
  r.attributes = {"msDS-KeyVersionNumber"};
  auto found = d.value().search(r);
  if (!found || found.value().size() != 1) return std::nullopt;
  const std::string text = found.value()[0].first("msDS-KeyVersionNumber");
  return text.empty() ? std::nullopt : std::optional<int>(std::stoi(text));
}

TEST_F(SspiTicketLab, ATicketForARegisteredSpn) {
  Finding f = probe("exch01.lab.example");
  EXPECT_EQ(f.target, "SMTPSVC/exch01.lab.example");
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["outcome"], "ok") << f.evidence.dump();
  EXPECT_EQ(f.evidence["gss_major"], 0x00090312u) << "SEC_I_CONTINUE_NEEDED: mutual authentication waits for the peer";
  // The kvno read from the AP-REQ token is the key version AD holds for the account.
  const auto in_ad = exch01_kvno();
  ASSERT_TRUE(in_ad.has_value()) << "msDS-KeyVersionNumber of EXCH01$ (run adlab.sh fixtures)";
  ASSERT_TRUE(f.evidence.contains("kvno")) << f.evidence.dump();
  EXPECT_EQ(f.evidence["kvno"], *in_ad) << f.evidence.dump();
}

TEST_F(SspiTicketLab, AnSpnNoAccountHoldsIsPrincipalUnknown) {
  Finding f = probe("nosuchhost.lab.example");
  if (test::running_under_wine()) {
    // Wine's Kerberos package turns every GSSAPI failure into SEC_E_INTERNAL_ERROR: the KDC's
    // S_PRINCIPAL_UNKNOWN is not visible through it (Windows returns SEC_E_TARGET_UNKNOWN, whose
    // mapping sspi_status_test.cpp checks). The attempt still fails, and says so.
    EXPECT_EQ(f.status, FindingStatus::Error) << f.summary;
    EXPECT_EQ(f.evidence["outcome"], "other") << f.evidence.dump();
    EXPECT_NE(f.summary.find("SEC_E_INTERNAL_ERROR"), std::string::npos) << f.summary;
    return;
  }
  EXPECT_EQ(f.status, FindingStatus::Fail) << f.summary;
  EXPECT_EQ(f.evidence["outcome"], "principal-unknown") << f.evidence.dump();
  EXPECT_EQ(f.evidence["krb_error_code"], 7) << f.evidence.dump();
}

TEST_F(SspiTicketLab, APeerKeytabIsRefusedWithTheReason) {
  Finding f = probe("exch01.lab.example", test::lab_dir() + "\\exch01.keytab");
  EXPECT_EQ(f.status, FindingStatus::Error);
  EXPECT_EQ(f.evidence["outcome"], "other");
  EXPECT_NE(f.summary.find("AcceptSecurityContext"), std::string::npos) << f.summary;
}

}  // namespace
}  // namespace authwatch::probes
