#pragma once
// The "spn" probe (docs/domain.md §6): Exchange server authentication asks the KDC for a ticket to
// SMTPSVC/<fqdn> of the receiving server. The KDC fails it when no account holds that SPN, when
// more than one does (KDC_ERR_S_PRINCIPAL_UNKNOWN, KDC event 11), and the receiver cannot decrypt
// it when the SPN sits on another account (KRB_AP_ERR_MODIFIED). Per host (the peer, and this
// server when its FQDN is given): its computer account on a DC, then every holder of each
// expected SPN in the global catalog. Plus a forest-wide scan of all SMTP*/ SPNs for duplicates,
// like `setspn -X -F`.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/text.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

class SpnProbe final : public Probe {
 public:
  std::string name() const override { return "spn"; }
  // Findings: one per host (targets.peer_fqdn, or the peer's host when it is a name; then
  // targets.local_fqdn), then target "forest". Skipped without a DC; error when none answers.
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;
};

// A directory object that holds (or should hold) SPNs.
struct SpnAccount {
  std::string dn;
  std::string sam_account_name;  // "EX2$"
  std::string dns_host_name;     // "ex2.contoso.com"
};

// Domain naming context DN -> its NetBIOS name, from the crossRef objects of CN=Partitions.
using NetbiosNames = std::map<std::string, std::string, ILess>;

// What the directory says about one host.
struct HostSpnReport {
  std::string host;  // the name checked, as configured: the finding's target
  std::string error;  // non-empty: the check could not be done
  std::optional<SpnAccount> account;
  std::vector<std::string> expected;
  std::map<std::string, std::vector<SpnAccount>, ILess> holders;  // expected SPN -> every object holding it (GC)
  NetbiosNames netbios;
  std::string source;  // the DC and GC asked
};

// Every SMTP*/ SPN of the forest and its holders.
struct ForestSpnReport {
  std::string error;
  std::map<std::string, std::vector<SpnAccount>, ILess> holders;
  NetbiosNames netbios;
  std::string source;
};

// SMTPSVC/ and SMTP/ for the short name and the FQDN; without an FQDN only the short ones.
std::vector<std::string> expected_smtp_spns(std::string_view short_name, std::string_view fqdn);

// The account as setspn takes it, "CONTOSO\EX2$": the NetBIOS name of the longest domain
// naming context the DN lies in; without one, the DN's first DC= label upper-cased.
std::string setspn_account(const SpnAccount& account, const NetbiosNames& netbios);

// The verdict for one host: fail when an expected SPN is missing, held by more than one object,
// or held by another account than the host's own (FINDINGS.md "spn").
Finding judge_host_spns(const HostSpnReport& report);

// The forest scan's verdict (target "forest"): fail when an SPN has more than one holder.
Finding judge_forest_spns(const ForestSpnReport& report);

}  // namespace authwatch::probes
