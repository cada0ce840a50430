// authwatch probe: checks the causes of a 454 4.7.0 against the network now, and stores the run.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/diagnosis_rows.hpp"
#include "cli/exit_codes.hpp"
#include "core/clock.hpp"
#include "probes/engine.hpp"
#include "probes/probe_set.hpp"

namespace authwatch::cli {
namespace {

struct ProbeOptions {
  probes::ProbeTargets targets;
  std::string peer;
  std::string only;
  std::optional<int> deadline_ms;    // default: the config's probes.deadline_ms (3000)
  std::optional<int> slow_retry_ms;  // default: the config's probes.slow_retry_ms (10000)
  int64_t incident = 0;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

nlohmann::json finding_json(const Finding& f) {
  return {{"probe", f.probe},       {"target", f.target},     {"status", to_string(f.status)},
          {"summary", f.summary},   {"evidence", f.evidence}, {"remediation", f.remediation}};
}

void run_probe(Context& ctx, ProbeOptions& opt) {
  auto probes_or = probes::make_probes(split_list(opt.only));
  if (!probes_or) {
    ctx.err << "authwatch: --only: " << probes_or.error() << '\n';
    ctx.exit_code = kUsage;
    return;
  }
  const Config* config = ctx.config();
  if (!config) return;
  auto db = ctx.open_database(storage::Database::Mode::ReadWrite);
  if (!db) return;
  storage::Store store(*db);
  std::optional<int64_t> incident;
  if (opt.incident > 0) {
    if (!store.incident(opt.incident)) {
      ctx.err << "authwatch: no incident " << opt.incident << " in " << db->path() << '\n';
      ctx.exit_code = kNotFound;
      return;
    }
    incident = opt.incident;
  }
  opt.targets.peer = opt.peer;
  probes::ProbeSettings settings;
  settings.deadline = std::chrono::milliseconds{opt.deadline_ms.value_or(config->probes.deadline_ms)};
  settings.slow_retry = std::chrono::milliseconds{opt.slow_retry_ms.value_or(config->probes.slow_retry_ms)};
  auto result = probes::run_probes(std::move(probes_or).value(), opt.targets, settings);

  storage::ProbeRunRecord run;
  run.incident_id = incident;
  run.started_at = result.started;
  run.finished_at = result.finished;
  run.trigger = "manual";
  run.targets = {{"dcs", opt.targets.dcs},       {"domain", opt.targets.domain}, {"realm", opt.targets.realm},
                 {"site", opt.targets.site},     {"dns_server", opt.targets.dns_server}, {"peer", opt.peer},
                 {"peer_fqdn", opt.targets.peer_fqdn}, {"local_fqdn", opt.targets.local_fqdn}};
  run.status = std::string(to_string(probes::worst_status(result.findings)));
  int64_t run_id = 0;
  db->transaction([&] { run_id = store.insert_probe_run(run, result.findings); });

  const double seconds = std::chrono::duration<double>(result.finished - result.started).count();
  nlohmann::json json = {{"run_id", run_id},
                         {"started", format_iso8601(result.started)},
                         {"finished", format_iso8601(result.finished)},
                         {"duration_seconds", seconds},
                         {"status", run.status},
                         {"targets", run.targets},
                         {"settings", {{"deadline_ms", settings.deadline.count()}, {"slow_retry_ms", settings.slow_retry.count()}}},
                         {"findings", nlohmann::json::array()}};
  for (const auto& f : result.findings) json["findings"].push_back(finding_json(f));
  const Diagnosis diagnosis = diagnose(result.findings);
  json["diagnosis"] = to_json(diagnosis);
  if (ctx.format() == OutputFormat::Json) {
    ctx.out << json.dump(2) << '\n';
  } else {
    Rows rows{{"probe", "target", "status", "summary"}, {}, /*details_from=*/3};
    for (const auto& f : result.findings) rows.rows.push_back({f.probe, f.target, std::string(to_string(f.status)), f.summary});
    write_table(ctx.out, rows);
    // The diagnosis's fixes replace the findings' remediations (those of findings no cause
    // accounts for are in its notes; all stay in --format json).
    ctx.out << "\nDiagnosis\n";
    print_diagnosis(ctx.out, diagnosis);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", seconds);
    ctx.out << "\nProbe run " << run_id << " stored (" << buf << " s).\n";
  }
  const bool failed = std::any_of(result.findings.begin(), result.findings.end(), [](const Finding& f) { return f.status == FindingStatus::Fail; });
  if (failed) ctx.exit_code = kProbeFailed;
}

}  // namespace

static std::string probe_list() {
  std::string list;
  for (const auto& n : probes::probe_names()) list += (list.empty() ? "" : ", ") + n;
  return list;
}

Command add_probe_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ProbeOptions>();
  auto* sub = app.add_subcommand("probe", "Check the causes of 454 4.7.0 now: DC discovery, clock skew, ports, SPNs, replication, service ticket, receive connectors, the peer's Exchange authentication");
  sub->add_option("--dc", opt->targets.dcs, "Domain controller (repeatable); default: found by DNS SRV in --domain");
  sub->add_option("--domain", opt->targets.domain, "AD DNS domain for DC discovery, e.g. contoso.com");
  sub->add_option("--realm", opt->targets.realm, "Kerberos realm (default: the domain upper-cased)");
  sub->add_option("--site", opt->targets.site, "AD site, for site-specific DC records");
  sub->add_option("--dns-server", opt->targets.dns_server, "DNS server to ask (default: the system resolver)");
  sub->add_option("--peer", opt->peer, "The other Exchange server, HOST or HOST:PORT (default ports 25 and 2525)");
  sub->add_option("--peer-fqdn", opt->targets.peer_fqdn, "The peer's FQDN, for its computer account and SMTPSVC/ SPN (default: --peer when it is a name)");
  sub->add_option("--local-fqdn", opt->targets.local_fqdn, "This server's FQDN, whose SPNs are checked too");
  sub->add_option("--local-ip", opt->targets.local_ip, "This server's IP as the peer sees it (receive connector RemoteIPRanges)");
  sub->add_option("--ccache", opt->targets.ccache, "Kerberos credential cache for the directory and ticket probes (default: KRB5CCNAME)");
  sub->add_option("--client-keytab", opt->targets.client_keytab, "Keytab to get credentials from instead (default: KRB5_CLIENT_KTNAME)");
  sub->add_option("--peer-keytab", opt->targets.peer_keytab, "The peer service's keytab: also completes the accept side (catches a stale key)");
  sub->add_option("--only", opt->only, "Comma-separated subset of: " + probe_list());
  sub->add_option("--deadline-ms", opt->deadline_ms, "Per-probe deadline in milliseconds (default 3000, config probes.deadline_ms)")
      ->check(CLI::Range(100, 60000));
  sub->add_option("--slow-retry-ms", opt->slow_retry_ms,
                  "What went unanswered by the deadline (ports, KDCs) is tried once more with this deadline before it is "
                  "called blocked or unresponsive; 0 = never (default 10000, config probes.slow_retry_ms). A run takes at most "
                  "2 x deadline + slow retry + 0.6 s")
      ->check(CLI::Range(0, 120000));
  sub->add_option("--incident", opt->incident, "Store the run with this incident");
  add_format_option(*sub, ctx, /*csv=*/false);
  sub->footer("Exit code 5 when a finding failed (a cause is present), 0 when none did.");
  return {sub, [&ctx, opt] { run_probe(ctx, *opt); }};
}

}  // namespace authwatch::cli
