#include "ldap_lab.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "lab_env.hpp"
#include "probes/ldap/directory.hpp"

namespace authwatch::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

int lab_id() {
  const char* id = std::getenv("ADLAB_ID");
  return (id && id[0] >= '0' && id[0] <= '9' && id[1] == 0) ? id[0] - '0' : 0;
}

// Whether a search of the lab's DC1 finds anything: a missing object is an empty result.
Result<bool> lab_has(const std::string& base, const std::string& filter) {
  probes::ldap::ConnectOptions options;
  options.host = dc_ip(1);
  options.ccache = lab_ccache();
  options.timeout = 5s;
  auto directory = probes::ldap::Directory::connect(options);
  if (!directory) return Error{directory.error()};
  probes::ldap::SearchRequest request;
  request.base = base;
  request.filter = filter;
  request.attributes = {"cn"};
  auto found = directory.value().search(request);
  if (!found) return Error{found.error()};
  return !found.value().empty();
}

}  // namespace

std::string lab_dir() {
  if (const char* dir = std::getenv("ADLAB_DIR"); dir && *dir) return dir;
  const int id = lab_id();
  return id == 0 ? "/tmp/authwatch-lab" : "/tmp/authwatch-lab-" + std::to_string(id);
}

std::string lab_ccache() { return "FILE:" + lab_dir() + "/ccache.admin"; }

std::string lab_subnet() { return "198.18." + std::to_string(77 + lab_id()); }

LabKerberosEnv::LabKerberosEnv() {
  if (const char* old = std::getenv("KRB5_CONFIG")) previous_ = old;
  setenv("KRB5_CONFIG", (lab_dir() + "/etc/krb5.conf").c_str(), 1);
}

LabKerberosEnv::~LabKerberosEnv() {
  if (previous_) setenv("KRB5_CONFIG", previous_->c_str(), 1);
  else unsetenv("KRB5_CONFIG");
}

Result<void> ensure_exchange_fixtures() {
  auto accounts = lab_has("DC=lab,DC=example", "(&(objectClass=computer)(|(sAMAccountName=EXCH01$)(sAMAccountName=EXCH02$)))");
  if (!accounts) return Error{"cannot look for the fixtures: " + accounts.error()};
  if (!accounts.value() && lab_cmd("fixtures") != 0) return Error{"adlab.sh fixtures failed"};
  auto schema = lab_has("CN=Schema,CN=Configuration,DC=lab,DC=example", "(lDAPDisplayName=msExchSmtpReceiveConnector)");
  if (!schema) return Error{"cannot look for the Exchange schema: " + schema.error()};
  if (!schema.value() && lab_cmd("exchange-schema") != 0) return Error{"adlab.sh exchange-schema failed"};
  return {};
}

LabChange::LabChange(std::vector<std::string> apply, std::vector<std::string> undo) : undo_(std::move(undo)) {
  for (const auto& step : apply) {
    if (lab_cmd(step) != 0) {
      applied_ = false;
      failure_ = "adlab.sh " + step + " failed";
      break;
    }
  }
}

LabChange::~LabChange() {
  for (const auto& step : undo_)
    if (lab_cmd(step) != 0) ADD_FAILURE() << "could not restore the lab: adlab.sh " << step << " failed";
}

std::vector<Finding> run_probe(probes::Probe& probe, const probes::ProbeTargets& targets, const probes::ProbeSettings& settings) {
  asio::io_context io;
  asio::thread_pool pool(2);
  probes::ProbeContext ctx{io, pool, targets, settings};
  std::optional<std::vector<Finding>> out;
  asio::co_spawn(io, probe.run(ctx), [&out](std::exception_ptr error, std::vector<Finding> findings) {
    if (!error) out = std::move(findings);
  });
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (!out && std::chrono::steady_clock::now() < give_up) io.run_one_for(50ms);
  pool.join();
  if (!out) ADD_FAILURE() << "the " << probe.name() << " probe did not complete";
  return out.value_or(std::vector<Finding>{});
}

const Finding* finding_for(const std::vector<Finding>& findings, const std::string& target) {
  for (const auto& f : findings)
    if (f.target == target) return &f;
  return nullptr;
}

}  // namespace authwatch::test
