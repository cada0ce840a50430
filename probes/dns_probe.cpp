#include "probes/dns_probe.hpp"

#include <algorithm>
#include <functional>

#include "probes/async_util.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using namespace std::chrono;

// Left for the resolver's own bookkeeping so a lookup fails by itself before the deadline.
constexpr milliseconds kLookupMargin{100};
constexpr milliseconds kResolverGranule{1000};
constexpr const char* kLocatorPrefix = "_ldap._tcp.";

bool is_dc_locator(const std::string& srv_name) { return srv_name.rfind(kLocatorPrefix, 0) == 0; }

std::string server_text(const std::string& dns_server) { return dns_server.empty() ? "the system resolver" : dns_server; }

nlohmann::json records_json(const std::vector<SrvRecord>& records) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : records)
    list.push_back({{"target", r.target}, {"port", r.port}, {"priority", r.priority}, {"weight", r.weight}});
  return list;
}

}  // namespace

std::vector<std::string> dc_locator_srv_names(const ProbeTargets& targets) {
  std::vector<std::string> names{"_ldap._tcp.dc._msdcs." + targets.domain};
  if (!targets.site.empty()) names.push_back("_ldap._tcp." + targets.site + "._sites.dc._msdcs." + targets.domain);
  names.push_back("_kerberos._tcp." + targets.domain);
  return names;
}

Finding judge_srv(const std::string& srv_name, const SrvAnswer& answer, const std::string& dns_server) {
  Finding f{"dns", srv_name, FindingStatus::Ok, "", {{"srv_name", srv_name}, {"dns_server", server_text(dns_server)}}, ""};
  if (!answer || !answer->ok()) {
    f.status = FindingStatus::Error;
    f.evidence["error"] = answer ? answer->error() : "no answer before the probe's deadline";
    f.summary = "cannot look up " + srv_name + ": " + f.evidence["error"].get<std::string>();
    f.remediation = "Check that " + server_text(dns_server) +
                    " answers DNS on UDP 53 from this server and serves the Active Directory zone (Exchange must use the AD "
                    "DNS servers, not public ones).";
    return f;
  }
  const auto& records = answer->value();
  f.evidence["records"] = records_json(records);
  if (records.empty()) {
    f.status = FindingStatus::Fail;
    f.summary = "no SRV records for " + srv_name + " at " + server_text(dns_server);
    f.remediation = "The DC locator records are missing: make sure the domain controllers' Netlogon service is running and "
                    "registers its DNS records (nltest /dsregdns, or restart Netlogon; see %SystemRoot%\\System32\\Config\\"
                    "netlogon.dns), that the AD zone (and _msdcs) accepts dynamic updates, and that this server uses the AD DNS servers.";
    return f;
  }
  std::string hosts;
  for (const auto& r : records) hosts += (hosts.empty() ? "" : ", ") + r.target + ":" + std::to_string(r.port);
  f.summary = std::to_string(records.size()) + " record(s) for " + srv_name + ": " + hosts;
  return f;
}

std::vector<std::string> discovered_dcs(const std::vector<std::string>& srv_names, const std::vector<SrvAnswer>& answers) {
  std::vector<std::string> dcs;
  auto collect = [&](bool locator) {
    for (size_t i = 0; i < srv_names.size() && i < answers.size(); ++i) {
      if (is_dc_locator(srv_names[i]) != locator || !answers[i] || !answers[i]->ok()) continue;
      for (const auto& r : answers[i]->value())
        if (std::find(dcs.begin(), dcs.end(), r.target) == dcs.end()) dcs.push_back(r.target);
    }
  };
  collect(true);
  if (dcs.empty()) collect(false);  // in AD every KDC is a DC
  return dcs;
}

asio::awaitable<std::vector<Finding>> DnsProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  try {
    if (ctx.targets.domain.empty()) {
      findings.push_back({"dns", "", FindingStatus::Skipped, "no domain configured: DC discovery by DNS skipped", {}, ""});
      co_return findings;
    }
    const SteadyTime deadline = steady_clock::now() + ctx.settings.deadline;
    const auto names = dc_locator_srv_names(ctx.targets);
    const std::string dns_server = ctx.targets.dns_server;
    std::vector<std::function<asio::awaitable<SrvAnswer>()>> lookups;
    for (const auto& name : names) {
      lookups.push_back([&ctx, name, dns_server, deadline]() -> asio::awaitable<SrvAnswer> {
        // The timeout is taken when the pool starts the lookup, which may be after others finished.
        std::function<Result<std::vector<SrvRecord>>()> lookup = [name, dns_server, deadline]() -> Result<std::vector<SrvRecord>> {
          const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()) - kLookupMargin;
          // The resolver waits in whole seconds: a lookup that cannot get one would outlive the deadline.
          if (left < kResolverGranule) return Error{"less than the resolver's 1 s minimum left before the deadline"};
          return query_srv(name, dns_server, left);
        };
        co_return co_await run_blocking<Result<std::vector<SrvRecord>>>(ctx.blocking, deadline, std::move(lookup));
      });
    }
    auto gathered = co_await gather<SrvAnswer>(std::move(lookups));
    std::vector<SrvAnswer> answers;
    for (auto& g : gathered) answers.push_back(g ? std::move(*g) : SrvAnswer{});
    for (size_t i = 0; i < names.size(); ++i) findings.push_back(judge_srv(names[i], answers[i], dns_server));
    findings.front().evidence["discovered_dcs"] = discovered_dcs(names, answers);
  } catch (const std::exception& e) {
    findings.clear();
    findings.push_back({"dns", ctx.targets.domain, FindingStatus::Error, std::string("DC discovery failed: ") + e.what(), {}, ""});
  }
  co_return findings;
}

}  // namespace authwatch::probes
