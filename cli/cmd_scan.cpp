// authwatch scan PATH...: exported logs in, incidents out (offline triage).
#include <algorithm>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/platform.hpp"
#include "core/clock.hpp"
#include "core/utf8.hpp"
#include "pipeline/alerts.hpp"
#include "pipeline/ingest.hpp"

namespace authwatch::cli {
namespace {

struct ScanOptions {
  std::vector<std::string> paths;
  std::string time_zone;
  std::string date_order;
  std::string observer;
};

void run_scan(Context& ctx, const ScanOptions& opt) {
  const Config* loaded = ctx.config();
  if (!loaded) return;
  Config config = *loaded;
  // Queue snapshots written in the server's local time (docs/domain.md §10): the command line wins
  // over queue.time_zone / queue.date_order.
  if (!opt.time_zone.empty()) {
    auto offset = parse_utc_offset(opt.time_zone);
    if (!offset) {
      ctx.err << "authwatch: --time-zone " << opt.time_zone << ": expected a UTC offset like +01:00, -05:00 or UTC\n";
      ctx.exit_code = kUsage;
      return;
    }
    config.queue.times.offset = offset;
    config.queue.times.offset_from = "--time-zone";
  }
  if (!opt.date_order.empty() && !parse_date_order(opt.date_order, config.queue.times.order)) {
    ctx.err << "authwatch: --date-order " << opt.date_order << ": expected auto, mdy, dmy or ymd\n";
    ctx.exit_code = kUsage;
    return;
  }
  auto db = ctx.open_database(storage::Database::Mode::ReadWrite);
  if (!db) return;
  SystemClock clock;
  pipeline::Ingest ingest(*db, config, clock, opt.observer);

  // Names from the command line and from folders are outside text: shown as valid UTF-8
  // (an invalid byte as \xHH), so the table and the JSON hold every one of them.
  std::vector<std::string> missing;
  std::vector<pipeline::RefusedPath> refused;
  auto files = pipeline::expand_paths(opt.paths, missing, &refused);
  for (auto& m : missing) {
    m = to_valid_utf8(m);
    ctx.err << "authwatch: " << m << ": no such file or folder\n";
  }
  nlohmann::json refused_json = nlohmann::json::array();
  for (const auto& r : refused) {
    ctx.err << "authwatch: " << to_valid_utf8(r.path) << ": not read: " << r.reason << '\n';
    refused_json.push_back({{"path", to_valid_utf8(r.path)}, {"reason", r.reason}});
  }

  const bool show_progress = stderr_is_terminal() && !ctx.quiet;
  std::vector<pipeline::FileIngest> results;
  for (size_t i = 0; i < files.size(); ++i) {
    pipeline::ProgressFn progress;
    if (show_progress) {
      progress = [&, i](const std::string& path, uint64_t n) {
        ctx.err << "\r[" << (i + 1) << "/" << files.size() << "] " << path << ": " << n << " records" << std::flush;
      };
      ctx.err << "\r[" << (i + 1) << "/" << files.size() << "] " << files[i] << "\033[K" << std::flush;
    }
    results.push_back(ingest.ingest_file(files[i], progress));
  }
  if (show_progress && !files.empty()) ctx.err << "\r\033[K" << std::flush;
  auto pass = ingest.update_incidents();

  // Files met while walking a folder that are not logs (a README, a zip) are skipped quietly;
  // a file named on the command line that cannot be read is an error.
  auto named = [&](const std::string& path) { return std::find(opt.paths.begin(), opt.paths.end(), path) != opt.paths.end(); };
  bool partial = !missing.empty() || !refused.empty();
  Rows rows{{"file", "format", "records", "bad", "new events", "faults", "noise", "kerberos", "note"}, {}, /*details_from=*/8};
  nlohmann::json files_json = nlohmann::json::array();
  for (const auto& r : results) {
    const bool skipped = r.failure && r.failure->code == pipeline::IngestErrc::unknown_format && !named(r.path);
    partial = partial || r.bad_records > 0 || (r.failure && !skipped) || !r.errors.empty() || r.quarantined > 0;
    if (r.quarantined > 0)
      ctx.err << "authwatch: " << to_valid_utf8(r.first_quarantine_error)
              << (r.quarantined > 1 ? " (and " + std::to_string(r.quarantined - 1) + " more; `authwatch status` lists them)" : "") << '\n';
    if (!skipped && r.format == sources::FileFormat::Unknown) ctx.err << "authwatch: " << r.failure->message << '\n';
    if (r.errors_not_kept) ctx.err << "authwatch: " << to_valid_utf8(r.path) << ": and " << r.errors_not_kept << " more bad record(s)\n";
    // A last line without its newline may still be being written: not read now, read by a later
    // scan once complete (the stored position stays before it).
    if (r.pending_bytes)
      ctx.err << "authwatch: " << to_valid_utf8(r.path) << ": pending: an unterminated last line of " << r.pending_bytes
              << " byte(s), read once it is complete\n";
    const std::string bad_note = std::to_string(r.bad_records) + " bad record(s), see stderr" +
                                 (r.errors_not_kept ? " (the first " + std::to_string(r.errors.size()) + " named, and " +
                                                          std::to_string(r.errors_not_kept) + " more)"
                                                    : "");
    std::string note = skipped            ? "skipped: not a log format AuthWatch reads"
                       : r.failure          ? "not read: " + r.failure->message
                       : r.unchanged      ? "unchanged since last scan"
                       : !r.errors.empty() ? bad_note
                       : r.quarantined > 0 ? std::to_string(r.quarantined) + " record(s) could not be stored: quarantined"
                                           : "";
    if (r.pending_bytes) note += (note.empty() ? "" : "; ") + std::string("pending: ") + std::to_string(r.pending_bytes) + " byte(s) unterminated";
    rows.rows.push_back({to_valid_utf8(r.path), std::string(sources::to_string(r.format)), std::to_string(r.records_read),
                         std::to_string(r.bad_records), std::to_string(r.new_events), std::to_string(r.fault_signals),
                         std::to_string(r.noise_signals), std::to_string(r.context_signals), note});
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors) errors.push_back({{"locator", e.locator}, {"reason", e.reason}});
    files_json.push_back({{"path", to_valid_utf8(r.path)},
                          {"format", sources::to_string(r.format)},
                          {"records_read", r.records_read},
                          {"bad_records", r.bad_records},
                          {"new_events", r.new_events},
                          {"fault_signals", r.fault_signals},
                          {"noise_signals", r.noise_signals},
                          {"context_signals", r.context_signals},
                          {"unchanged", r.unchanged},
                          {"quarantined", r.quarantined},
                          {"errors", errors},
                          {"errors_not_named", r.errors_not_kept},
                          {"pending_bytes", r.pending_bytes},
                          {"failure", r.failure ? nlohmann::json(r.failure->message) : nlohmann::json(nullptr)}});
  }
  nlohmann::json incidents = nlohmann::json::array();
  for (const auto& c : pass.changes)
    if (c.kind == IncidentChange::Kind::Opened) incidents.push_back(pipeline::incident_json(c.incident));
  nlohmann::json json = {{"files", files_json},
                         {"missing", missing},
                         {"refused", refused_json},
                         {"incidents_opened", pass.opened()},
                         {"incidents_resolved", pass.resolved()},
                         {"signals_assigned", pass.signals_assigned},
                         {"kerberos_errors_attached", pass.context_assigned},
                         {"opened", incidents}};
  if (ctx.format() == OutputFormat::Json) {
    ctx.out << json.dump(2) << '\n';
  } else {
    write(ctx.out, ctx.format(), rows, json);
    if (ctx.format() == OutputFormat::Table)
      ctx.out << "\nIncidents: " << pass.opened() << " opened, " << pass.resolved() << " resolved, "
              << pass.signals_assigned << " signal(s) attached"
              << (pass.context_assigned ? ", " + std::to_string(pass.context_assigned) + " Kerberos error(s) as their context" : "")
              << ". See `authwatch incidents`.\n";
  }
  if (partial) ctx.exit_code = kPartialInput;
}

}  // namespace

Command add_scan_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ScanOptions>();
  auto* sub = app.add_subcommand("scan", "Read exported logs (event XML, .evtx, SMTP protocol logs, Get-Queue JSON), store signals and incidents");
  sub->add_option("paths", opt->paths, "Files or folders (folders are read recursively; formats are detected by content)")->required();
  sub->add_option("--time-zone", opt->time_zone,
                  "UTC offset of the servers whose Get-Queue snapshots hold local times (LastRetryTime, LRT=), e.g. +01:00; "
                  "default queue.time_zone, else the times are read as UTC (each signal says which)");
  sub->add_option("--date-order", opt->date_order,
                  "Day/month order of culture dates in snapshots: auto (default: from the values, AM/PM means mdy), mdy, dmy, ymd");
  sub->add_option("--observer", opt->observer,
                  "The server whose files these are (its FQDN), for records that do not say: a Get-Queue snapshot whose Identity "
                  "names no server, a protocol log that never names its own server. Events name their Computer, queues their "
                  "server (EX1\\12), protocol logs their connector, greeting or EHLO: those win");
  add_format_option(*sub, ctx);
  sub->footer("Re-scanning the same files adds nothing. Bad records are named on stderr and skipped; exit code 3 then.");
  return {sub, [&ctx, opt] { run_scan(ctx, *opt); }};
}

}  // namespace authwatch::cli
