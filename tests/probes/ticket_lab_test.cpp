// The "ticket" probe against the Samba AD lab (tests/lab/adlab.sh, fixtures EXCH01/EXCH02): a real
// ticket for SMTPSVC/exch01.lab.example and the real failures — the SPN deleted, the account's
// password changed under an old keytab, Kerberos blocked, the KDC's clock 10 minutes ahead.
// Each test puts the lab back as it found it (RAII), whatever it asserted.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "lab_env.hpp"
#include "ticket_probe_runner.hpp"
#include "tests/lab/lab_skip.hpp"

namespace authwatch::probes {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;

constexpr const char* kPeer = "exch01.lab.example";
constexpr const char* kSpn = "SMTPSVC/exch01.lab.example";

// adlab.sh's own layout: $ADLAB_DIR, else /tmp/authwatch-lab (ADLAB_ID 0) or /tmp/authwatch-lab-N.
std::string lab_dir() {
  if (const char* d = std::getenv("ADLAB_DIR"); d && *d) return d;
  const char* id = std::getenv("ADLAB_ID");
  if (!id || !*id || std::string(id) == "0") return "/tmp/authwatch-lab";
  return std::string("/tmp/authwatch-lab-") + id;
}
std::string lab_pass() {
  const char* p = std::getenv("ADLAB_PASS");
  return p && *p ? p : "Passw0rd!Lab";
}
std::string quoted(const std::string& s) { return "'" + s + "'"; }  // no quotes in our arguments

// Runs a shell command; its exit code, and its output in `output` when asked.
int shell(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) text.append(buf, n);
  const int status = ::pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// samba-tool against DC1 as the lab's Administrator, seeing the lab's hosts/resolv.conf (labns).
int samba_tool(const std::string& args, std::string* output = nullptr) {
  const std::string d = lab_dir();
  return shell("LABETC=" + quoted(d + "/etc") + " " + quoted(d + "/bin/labns") + " samba-tool " + args +
                   " -H ldap://dc1.lab.example -U " + quoted("Administrator%" + lab_pass()),
               output);
}

// EXCH01$'s current keys from DC1's database into the lab's exch01.keytab (replacing it).
int export_keytab() {
  const std::string d = lab_dir(), fresh = d + "/exch01.keytab.new";
  std::error_code ignored;
  fs::remove(fresh, ignored);
  const int rc = shell("samba-tool domain exportkeytab " + quoted(fresh) + " -s " + quoted(d + "/dc1/etc/smb.conf") +
                       " --principal='EXCH01$'");
  if (rc == 0) fs::rename(fresh, d + "/exch01.keytab");
  return rc;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool has_dc2() { return fs::exists(lab_dir() + "/dc2"); }

// After a change on DC1 (or its restart), DC2 pulls every NC from DC1 at once rather than at its
// next scheduled replication, so the next test finds both DCs agreeing and replicating cleanly.
void converge_dc2() {
  if (has_dc2()) {
    EXPECT_EQ(test::lab_cmd("replicate 2"), 0) << "DC2 could not replicate from DC1";
  }
}

class TicketLab : public testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::lab_available(why)) AUTHWATCH_PEER_UNAVAILABLE() << why;
    if (!fs::exists(lab_dir() + "/exch01.keytab")) {
      ASSERT_EQ(test::lab_cmd("fixtures"), 0) << "adlab.sh fixtures failed";
    }
    // The library reads the realm's KDCs (configured_kdcs) and its defaults from the lab's krb5.conf.
    if (const char* old = std::getenv("KRB5_CONFIG")) saved_config_ = old;
    ::setenv("KRB5_CONFIG", (lab_dir() + "/etc/krb5.conf").c_str(), 1);
  }
  void TearDown() override {
    if (saved_config_) {
      ::setenv("KRB5_CONFIG", saved_config_->c_str(), 1);
    } else {
      ::unsetenv("KRB5_CONFIG");
    }
  }

  ProbeTargets targets() const {
    ProbeTargets t;
    t.dcs = {test::dc_ip(1)};
    if (has_dc2()) t.dcs.push_back(test::dc_ip(2));
    t.domain = test::domain;
    t.realm = test::realm;
    t.peer_fqdn = kPeer;
    t.ccache = "FILE:" + lab_dir() + "/ccache.admin";
    return t;
  }
  static ProbeSettings settings(milliseconds deadline = 3000ms) {
    ProbeSettings s;
    s.deadline = deadline;
    return s;
  }
  static Finding only(const std::vector<Finding>& findings) {
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? Finding{} : findings[0];
  }

  std::optional<std::string> saved_config_;
};

// MIT's own kvno(1) on a copy of the admin cache: the ticket's key version, independently.
int kvno_by_mit_tool() {
  const std::string copy = lab_dir() + "/ccache.ticket-test";
  fs::copy_file(lab_dir() + "/ccache.admin", copy, fs::copy_options::overwrite_existing);
  std::string out;
  const int rc = shell("KRB5CCNAME=FILE:" + quoted(copy) + " kvno " + kSpn, &out);
  fs::remove(copy);
  std::smatch m;
  if (rc != 0 || !std::regex_search(out, m, std::regex("kvno = ([0-9]+)"))) {
    ADD_FAILURE() << "kvno(1) failed: " << out;
    return -1;
  }
  return std::stoi(m[1]);
}

TEST_F(TicketLab, AdminCacheGetsATicketWithItsKvnoAndLeavesTheCacheAlone) {
  const std::string cache = lab_dir() + "/ccache.admin", before = read_file(cache);
  auto f = only(test::run_ticket_probe(targets(), settings()));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.target, kSpn);
  EXPECT_EQ(f.evidence["outcome"], "ok");
  EXPECT_EQ(f.evidence["client"], "Administrator@LAB.EXAMPLE");
  EXPECT_EQ(f.evidence["kdc"], test::dc_ip(1) + ":88/tcp");
  ASSERT_TRUE(f.evidence.contains("kvno")) << f.evidence.dump();
  EXPECT_EQ(f.evidence["kvno"].get<int>(), kvno_by_mit_tool());
  EXPECT_FALSE(f.evidence.contains("accept"));
  // The ticket went into the probe's private memory cache, not the user's.
  EXPECT_EQ(read_file(cache), before);
}

TEST_F(TicketLab, ThePeersKeytabAcceptsTheToken) {
  auto t = targets();
  t.peer_keytab = lab_dir() + "/exch01.keytab";
  auto f = only(test::run_ticket_probe(t, settings()));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary << " " << f.evidence.dump();
  ASSERT_TRUE(f.evidence.contains("accept"));
  EXPECT_EQ(f.evidence["accept"]["ok"], true) << f.evidence.dump();
  EXPECT_EQ(f.evidence["accept"]["keytab_kvno"], f.evidence["kvno"]);
}

TEST_F(TicketLab, KdcsFromKrb5ConfWhenNoDcIsGiven) {
  auto t = targets();
  t.dcs.clear();
  auto f = only(test::run_ticket_probe(t, settings()));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["kdc"], test::dc_ip(1) + ":88/tcp");  // krb5.conf lists DC1 first
}

TEST_F(TicketLab, ClientKeytabGetsItsOwnTgtFirst) {
  auto t = targets();
  t.ccache.clear();
  t.client_keytab = lab_dir() + "/exch01.keytab";
  t.peer_keytab = lab_dir() + "/exch01.keytab";
  auto f = only(test::run_ticket_probe(t, settings()));
  EXPECT_EQ(f.status, FindingStatus::Ok) << f.summary;
  EXPECT_EQ(f.evidence["client"], "EXCH01$@LAB.EXAMPLE");
  EXPECT_EQ(f.evidence["accept"]["ok"], true) << f.evidence.dump();
}

struct RestoreSpn {
  ~RestoreSpn() {
    EXPECT_EQ(test::lab_cmd(std::string("spn add ") + kSpn + " 'EXCH01$'"), 0) << "restoring " << kSpn;
    converge_dc2();
  }
};

TEST_F(TicketLab, DeletedSpnIsPrincipalUnknown) {
  RestoreSpn restore;
  ASSERT_EQ(test::lab_cmd(std::string("spn delete ") + kSpn + " 'EXCH01$'"), 0);
  auto f = only(test::run_ticket_probe(targets(), settings()));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "principal-unknown") << f.summary;
  EXPECT_EQ(f.evidence["krb_error_code"], 7);
  EXPECT_NE(f.summary.find("KDC_ERR_S_PRINCIPAL_UNKNOWN"), std::string::npos) << f.summary;
}

struct UndupSpn {
  ~UndupSpn() { EXPECT_EQ(test::lab_cmd(std::string("undupspn ") + kSpn + " 'EXCH02$'"), 0) << "removing the duplicate " << kSpn; }
};

// An AD KDC answers an SPN held by two accounts as if nobody held it; Samba's does the same.
TEST_F(TicketLab, DuplicateSpnIsPrincipalUnknownToo) {
  UndupSpn restore;
  ASSERT_EQ(test::lab_cmd(std::string("dupspn ") + kSpn + " 'EXCH02$'"), 0);
  auto f = only(test::run_ticket_probe(targets(), settings()));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "principal-unknown") << f.summary;
  EXPECT_EQ(f.evidence["krb_error_code"], 7);
}

struct ReexportKeytab {
  ~ReexportKeytab() {
    EXPECT_EQ(export_keytab(), 0) << "re-exporting exch01.keytab";
    converge_dc2();  // the new key version (msDS-KeyVersionNumber) on DC2 too
  }
};

TEST_F(TicketLab, PasswordChangedUnderAnOldKeytabIsStaleKey) {
  auto t = targets();
  t.peer_keytab = lab_dir() + "/exch01.keytab";
  {
    ReexportKeytab restore;
    std::string out;
    ASSERT_EQ(samba_tool("user setpassword 'EXCH01$' --newpassword='Pw-EXCH01-stale-" + std::to_string(::getpid()) + "-x1!'", &out), 0)
        << out;
    auto f = only(test::run_ticket_probe(t, settings()));
    EXPECT_EQ(f.status, FindingStatus::Fail) << f.summary;
    EXPECT_EQ(f.evidence["outcome"], "stale-key") << f.summary << " " << f.evidence.dump();
    ASSERT_TRUE(f.evidence.contains("accept") && f.evidence.contains("kvno")) << f.evidence.dump();
    EXPECT_EQ(f.evidence["accept"]["ok"], false);
    EXPECT_LT(f.evidence["accept"]["keytab_kvno"].get<int>(), f.evidence["kvno"].get<int>());
  }
  // Re-exported: the keytab has the new key, and the token is accepted again.
  auto f = only(test::run_ticket_probe(t, settings()));
  EXPECT_EQ(f.evidence["outcome"], "ok") << f.summary;
  EXPECT_EQ(f.evidence["accept"]["keytab_kvno"], f.evidence["kvno"]);
}

struct UnblockAll {
  ~UnblockAll() {
    test::lab_cmd("unblock 1");
    if (has_dc2()) test::lab_cmd("unblock 2");
  }
};

TEST_F(TicketLab, BlockedKerberosIsKdcUnreachableWithinTheDeadline) {
  UnblockAll restore;
  ASSERT_EQ(test::lab_cmd("block 1 88"), 0);
  if (has_dc2()) {
    ASSERT_EQ(test::lab_cmd("block 2 88"), 0);
  }
  const auto start = steady_clock::now();
  auto s = settings(2000ms);
  s.slow_retry = 1000ms;
  auto f = only(test::run_ticket_probe(targets(), s));
  const auto took = steady_clock::now() - start;
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "kdc-unreachable") << f.summary;
  const std::string message = f.evidence["message"];
  EXPECT_NE(message.find(test::dc_ip(1) + ":88"), std::string::npos) << message;
  if (has_dc2()) {
    EXPECT_NE(message.find(test::dc_ip(2) + ":88"), std::string::npos) << message;
  }
  // Silence is asked again once (the slow retry) before it is concluded on; no KDC ever took the
  // connection, so it stays unreachable, not unresponsive.
  EXPECT_EQ(f.evidence["first_attempt"]["outcome"], "kdc-unreachable") << f.evidence.dump(1);
  for (const auto& a : f.evidence["kdc_attempts"]) EXPECT_EQ(a["connected"], false) << a.dump();
  // The probe and its blocking pool are done by its budget: no thread left waiting on a KDC.
  EXPECT_LT(took, 2000ms + 1000ms + 400ms) << duration_cast<milliseconds>(took).count() << " ms";
}

struct ThawAll {
  ~ThawAll() {
    test::lab_cmd("thaw 1");
    if (has_dc2()) test::lab_cmd("thaw 2");
  }
};

// The KDCs stopped (adlab.sh freeze-kdc): TCP 88 still accepts, nothing answers. Not a firewall:
// kdc-unresponsive, each KDC recorded as connected and silent, after the slow retry.
TEST_F(TicketLab, KdcsThatAcceptAndNeverAnswerAreUnresponsiveNotUnreachable) {
  ThawAll restore;
  ASSERT_EQ(test::lab_cmd("freeze-kdc 1 20"), 0);
  if (has_dc2()) {
    ASSERT_EQ(test::lab_cmd("freeze-kdc 2 20"), 0);
  }
  auto s = settings(2000ms);
  s.slow_retry = 2000ms;
  auto f = only(test::run_ticket_probe(targets(), s));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "kdc-unresponsive") << f.summary;
  EXPECT_EQ(f.evidence["first_attempt"]["outcome"], "kdc-unresponsive") << f.evidence.dump(1);
  ASSERT_FALSE(f.evidence["kdc_attempts"].empty()) << f.evidence.dump(1);
  const auto& first = f.evidence["kdc_attempts"][0];
  EXPECT_EQ(first["kdc"], test::dc_ip(1) + ":88");
  EXPECT_EQ(first["connected"], true) << first.dump();
  EXPECT_EQ(first["answered"], false) << first.dump();
  EXPECT_EQ(first["timed_out"], true) << first.dump();
  EXPECT_NE(f.summary.find(test::dc_ip(1) + ":88"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("accepted the connection but did not answer, not even in the slow retry"), std::string::npos) << f.summary;
}

// A KDC stopped for 3 s answers within the slow retry: the ticket comes, as a warning.
TEST_F(TicketLab, AKdcThatAnswersLateIsHeardInTheSlowRetry) {
  ThawAll restore;
  ASSERT_EQ(test::lab_cmd("freeze-kdc 1 3"), 0);
  if (has_dc2()) {
    ASSERT_EQ(test::lab_cmd("freeze-kdc 2 3"), 0);
  }
  auto s = settings(2000ms);
  s.slow_retry = 8000ms;
  auto f = only(test::run_ticket_probe(targets(), s));
  EXPECT_EQ(f.status, FindingStatus::Warn) << f.summary;
  EXPECT_EQ(f.evidence["outcome"], "ok") << f.summary;
  EXPECT_NE(f.summary.find("only in the slow retry"), std::string::npos) << f.summary;
  EXPECT_EQ(f.evidence["first_attempt"]["outcome"], "kdc-unresponsive") << f.evidence.dump(1);
}

TEST_F(TicketLab, RefusedKerberosOnDc1FallsOverToDc2) {
  UnblockAll restore;
  ASSERT_EQ(test::lab_cmd("reject 1 88"), 0);
  const auto start = steady_clock::now();
  auto f = only(test::run_ticket_probe(targets(), settings(3000ms)));
  const auto took = steady_clock::now() - start;
  if (has_dc2()) {
    EXPECT_EQ(f.evidence["outcome"], "ok") << f.summary;
    EXPECT_EQ(f.evidence["kdc"], test::dc_ip(2) + ":88/tcp");
  } else {
    // Refused on TCP and UDP: known at once, not at the deadline.
    EXPECT_EQ(f.evidence["outcome"], "kdc-unreachable") << f.summary;
    EXPECT_LT(took, 1500ms);
  }
}

struct UnskewDc1 {
  ~UnskewDc1() {
    ::unsetenv("ADLAB_FAKETIME_DC1");
    EXPECT_EQ(test::lab_cmd("restart 1"), 0);
    // DC2's pulls from DC1 failed while it restarted: replicate both ways so no failure is left.
    if (has_dc2()) {
      EXPECT_EQ(test::lab_cmd("rejoin 2"), 0);
    }
  }
};

// Samba's KDC checks the TGS-REQ authenticator against its clock and answers KRB_AP_ERR_SKEW (37),
// as an AD DC does: a KDC 10 minutes ahead of a client whose TGT is still valid.
TEST_F(TicketLab, KdcTenMinutesAheadIsSkew) {
  UnskewDc1 restore;
  ::setenv("ADLAB_FAKETIME_DC1", "+10m", 1);
  ASSERT_EQ(test::lab_cmd("restart 1"), 0);
  ::unsetenv("ADLAB_FAKETIME_DC1");
  auto f = only(test::run_ticket_probe(targets(), settings()));
  EXPECT_EQ(f.status, FindingStatus::Fail);
  EXPECT_EQ(f.evidence["outcome"], "skew") << f.summary;
  EXPECT_EQ(f.evidence["krb_error_code"], 37);
  EXPECT_EQ(f.evidence["kdc"], test::dc_ip(1) + ":88/tcp");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(f.summary, m, std::regex("clock is \\+([0-9]+) s"))) << f.summary;
  EXPECT_NEAR(std::stoi(m[1]), 600, 10) << f.summary;
}

}  // namespace
}  // namespace authwatch::probes
