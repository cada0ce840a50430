// authwatch show ID: one incident with its signals and their evidence, and the diagnosis of its
// latest probe run.
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/diagnosis_rows.hpp"
#include "cli/exit_codes.hpp"
#include "cli/incident_diagnosis.hpp"
#include "cli/signal_rows.hpp"
#include "core/diagnosis.hpp"
#include "pipeline/alerts.hpp"

namespace authwatch::cli {
namespace {

std::string text_of(const nlohmann::json& v) { return printable(v.is_string() ? v.get<std::string>() : v.dump()); }

// Evidence as an administrator reads it: the session's lines, the event's data, the queue's error.
void print_evidence(std::ostream& out, const nlohmann::json& e) {
  if (e.contains("lines")) {
    for (const auto& line : e["lines"]) out << "    " << text_of(line) << '\n';
  } else if (e.contains("event_id")) {
    out << "    " << text_of(e.value("provider", nlohmann::json(""))) << " event " << text_of(e["event_id"]) << ", record "
        << text_of(e.value("record_id", nlohmann::json(0))) << " on " << text_of(e.value("computer", nlohmann::json(""))) << '\n';
    if (e.contains("data"))
      for (const auto& [k, v] : e["data"].items())  // empty fields (a Kerberos event has many) say nothing here; JSON keeps them
        if (!(v.is_string() && v.get_ref<const std::string&>().empty())) out << "      " << k << ": " << text_of(v) << '\n';
    if (e.contains("message")) out << "      message: " << text_of(e["message"]) << '\n';
  } else if (e.contains("last_error")) {
    out << "    queue " << text_of(e.value("identity", nlohmann::json(""))) << ", next hop "
        << text_of(e.value("next_hop_domain", nlohmann::json(""))) << ", " << text_of(e.value("message_count", nlohmann::json("")))
        << " message(s), retry " << text_of(e.value("retry_count", nlohmann::json(""))) << '\n'
        << "      LastError: " << text_of(e["last_error"]) << '\n';
    if (e.contains("time_basis")) out << "      time read as: " << text_of(e["time_basis"]) << '\n';
  } else {
    out << "    " << e.dump() << '\n';
  }
}

nlohmann::json probe_run_json(const storage::ProbeRunRecord& r) {
  return {{"id", r.id}, {"started", format_iso8601(r.started_at)}, {"finished", format_iso8601(r.finished_at)},
          {"trigger", r.trigger}, {"status", r.status}};
}

void run_show(Context& ctx, int64_t id) {
  auto db = ctx.open_database(storage::Database::Mode::ReadOnly);
  if (!db) return;
  storage::Store store(*db);
  auto incident = store.incident(id);
  if (!incident) {
    ctx.err << "authwatch: no incident " << id << " in " << db->path() << '\n';
    ctx.exit_code = kNotFound;
    return;
  }
  storage::SignalQuery query;
  query.incident_id = id;
  auto signals = store.signals(query);
  const auto diagnosed = latest_diagnosis(store, id, signals);
  const bool named_only = !diagnosed.run && !diagnosed.diagnosis.causes.empty();
  if (ctx.format() == OutputFormat::Json) {
    nlohmann::json j = pipeline::incident_json(*incident);
    j["signals"] = nlohmann::json::array();
    for (const auto& s : signals) j["signals"].push_back(signal_json(s, true));
    j["probe_run"] = diagnosed.run ? probe_run_json(*diagnosed.run) : nlohmann::json(nullptr);
    j["diagnosis"] = diagnosed.run || named_only ? to_json(diagnosed.diagnosis) : nlohmann::json(nullptr);
    ctx.out << j.dump(2) << '\n';
    return;
  }
  const auto& i = *incident;
  std::ostringstream text;  // fitted to the terminal at the end (tables fit already)
  text << "Incident " << i.id << " (" << to_string(i.status) << ")\n"
          << "  observer    " << (i.observer.empty() ? "? (the evidence does not say which server saw it)" : i.observer)
          << "  (the server whose evidence this is)\n"
          << "  direction   " << to_string(i.direction)
          << (i.direction == Direction::Inbound ? "  (this server rejected the peer's Exchange authentication)\n"
                                                : "  (this server failed to authenticate to the peer)\n")
          << "  peer        " << i.peer << (i.peer_name.empty() || i.peer_name == i.peer ? "" : "  (" + i.peer_name + ")")
          << (i.peer_context.empty() ? ""
                                     : "  (the evidence does not name the server; seen at " + i.peer_context +
                                           ": only the domain is probed)")
          << '\n'
          << "  signals     " << i.signal_count << '\n'
          << "  first seen  " << format_iso8601(i.first_seen) << '\n'
          << "  last seen   " << format_iso8601(i.last_seen) << '\n';
  if (i.resolved_at) text << "  resolved    " << format_iso8601(*i.resolved_at) << "  (quiet period passed)\n";
  text << "\nSignals\n"
          << "A fault is evidence that Exchange server authentication (Kerberos over X-EXPS) failed between two Exchange "
             "servers; faults open and extend incidents. Look-alikes (a user's password, a client's Integrated logon, a "
             "smart host's AUTH, TLS limits) are kept as noise (see `authwatch history`) and never open one; Kerberos "
             "errors from the System log join as context. The \"why\" column says which it is and why.\n";
  write_table(text, signal_rows(signals, /*for_people=*/true));
  text << "\nEvidence\n";
  for (const auto& s : signals) {
    const std::string seen_by = !s.signal.observer.empty() ? s.signal.observer : s.signal.observer_ip;
    text << "- " << format_iso8601(s.signal.time) << " " << s.signal.rule << (seen_by.empty() ? "" : " seen by " + seen_by) << " ("
         << s.source_location << " " << s.source_locator << ")\n";
    if (!s.signal.verdict.empty()) text << "    " << to_string(s.signal.signal_class) << ": " << s.signal.verdict << '\n';
    print_evidence(text, s.signal.evidence);
  }
  if (named_only) {
    text << "\nDiagnosis (from the evidence; no probe run yet)\n";
    print_diagnosis(text, diagnosed.diagnosis);
  } else if (!diagnosed.run) {
    text << "\nDiagnosis\nNo probe run for this incident yet: `authwatch probe --incident " << id << " ...` checks the causes now.\n";
  } else {
    text << "\nDiagnosis (probe run " << diagnosed.run->id << ", " << format_iso8601(diagnosed.run->started_at) << ")\n";
    print_diagnosis(text, diagnosed.diagnosis);
  }
  ctx.out << fit_lines(text.str(), table_width());
}

}  // namespace

Command add_show_command(CLI::App& app, Context& ctx) {
  auto id = std::make_shared<int64_t>(0);
  auto* sub = app.add_subcommand("show", "Show one incident with its signals, evidence and the diagnosis of its latest probe run");
  sub->add_option("id", *id, "Incident id (from `authwatch incidents`)")->required();
  add_format_option(*sub, ctx, /*csv=*/false);
  return {sub, [&ctx, id] { run_show(ctx, *id); }};
}

}  // namespace authwatch::cli
