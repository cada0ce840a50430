#pragma once
// What the directory tests need from the Samba lab beyond lab_env.hpp: its Kerberos files (the
// admin's credential cache from `adlab.sh up`), the EXCH01/EXCH02 fixtures and the Exchange
// schema (created only when absent, so a CI fixture step may have made them already), lab
// changes undone when the test ends, and a probe run the way the engine runs one.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/finding.hpp"
#include "core/result.hpp"
#include "probes/probe.hpp"

namespace authwatch::test {

// The lab's files: $ADLAB_DIR, else /tmp/authwatch-lab (ADLAB_ID 0) or /tmp/authwatch-lab-N.
std::string lab_dir();
std::string lab_ccache();  // "FILE:<lab dir>/ccache.admin": Administrator's TGT
std::string lab_subnet();  // "198.18.(77+ID)"

// Points KRB5_CONFIG at the lab's krb5.conf for the test's lifetime (the previous value comes back).
class LabKerberosEnv {
 public:
  LabKerberosEnv();
  ~LabKerberosEnv();
  LabKerberosEnv(const LabKerberosEnv&) = delete;
  LabKerberosEnv& operator=(const LabKerberosEnv&) = delete;

 private:
  std::optional<std::string> previous_;
};

// EXCH01/EXCH02 (`adlab.sh fixtures`) and the Exchange schema (`adlab.sh exchange-schema`),
// each made only when the directory lacks it. An error says what went wrong.
Result<void> ensure_exchange_fixtures();

// Runs `apply` (adlab.sh argument strings) now and `undo` when the scope ends, whatever the test
// asserted; undo runs even after a partly failed apply, so each step must tolerate that.
class LabChange {
 public:
  LabChange(std::vector<std::string> apply, std::vector<std::string> undo);
  ~LabChange();
  LabChange(const LabChange&) = delete;
  LabChange& operator=(const LabChange&) = delete;
  bool applied() const { return applied_; }
  const std::string& failure() const { return failure_; }

 private:
  std::vector<std::string> undo_;
  bool applied_ = true;
  std::string failure_;
};

// Runs one probe as the engine does (an io_context and a two-thread pool) and returns its
// findings; a probe that does not complete within 30 s fails the test.
std::vector<Finding> run_probe(probes::Probe& probe, const probes::ProbeTargets& targets, const probes::ProbeSettings& settings);

// The first finding about `target`, or nullptr.
const Finding* finding_for(const std::vector<Finding>& findings, const std::string& target);

}  // namespace authwatch::test
