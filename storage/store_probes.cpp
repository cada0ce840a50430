// Probe runs and findings: what the probe engine saw, kept with the incident it was run for.
#include <stdexcept>

#include "storage/connection.hpp"
#include "storage/store.hpp"
#include "storage/stored_time.hpp"

namespace authwatch::storage {

int64_t Store::insert_probe_run(const ProbeRunRecord& run, const std::vector<Finding>& findings) {
  auto& db = connection_of(db_);
  int64_t run_id = 0;
  {
    StatementUse st(db.statement(
        "INSERT INTO probe_runs(incident_id, started_at, finished_at, \"trigger\", targets_json, status, error) "
        "VALUES (:incident, :started, :finished, :trigger, :targets, :status, :error)"));
    if (run.incident_id) st->bind(":incident", *run.incident_id);
    else st->bind(":incident");
    st->bind(":started", format_iso8601(run.started_at));
    st->bind(":finished", format_iso8601(run.finished_at));
    st->bind(":trigger", run.trigger);
    st->bind(":targets", run.targets.dump());
    st->bind(":status", run.status);
    st->bind(":error", run.error);
    st->exec();
    run_id = db.getLastInsertRowid();
  }
  for (const auto& f : findings) {
    StatementUse st(db.statement(
        "INSERT INTO findings(run_id, probe, target, status, summary, evidence_json, remediation) "
        "VALUES (:run, :probe, :target, :status, :summary, :evidence, :remediation)"));
    st->bind(":run", run_id);
    st->bind(":probe", f.probe);
    st->bind(":target", f.target);
    st->bind(":status", std::string(to_string(f.status)));
    st->bind(":summary", f.summary);
    st->bind(":evidence", f.evidence.dump());
    st->bind(":remediation", f.remediation);
    st->exec();
  }
  return run_id;
}

std::vector<ProbeRunRecord> Store::probe_runs(std::optional<int64_t> incident_id, int limit) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "SELECT id, incident_id, started_at, finished_at, \"trigger\", targets_json, status, error FROM probe_runs "
      "WHERE (:incident IS NULL OR incident_id = :incident) ORDER BY started_at DESC, id DESC LIMIT :limit"));
  if (incident_id) st->bind(":incident", *incident_id);
  else st->bind(":incident");
  st->bind(":limit", limit > 0 ? limit : -1);
  std::vector<ProbeRunRecord> out;
  while (st->executeStep()) {
    ProbeRunRecord r;
    r.id = st->getColumn(0).getInt64();
    if (!st->getColumn(1).isNull()) r.incident_id = st->getColumn(1).getInt64();
    r.started_at = stored_time(st->getColumn(2), "probe_runs started_at");
    r.finished_at = st->getColumn(3).isNull() ? r.started_at : stored_time(st->getColumn(3), "probe_runs finished_at");
    r.trigger = st->getColumn(4).getString();
    r.targets = nlohmann::json::parse(st->getColumn(5).getString(), nullptr, false);
    r.status = st->getColumn(6).getString();
    r.error = st->getColumn(7).getString();
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Finding> Store::findings(int64_t run_id) {
  auto& db = connection_of(db_);
  StatementUse st(db.statement(
      "SELECT probe, target, status, summary, evidence_json, remediation FROM findings WHERE run_id = :run ORDER BY id"));
  st->bind(":run", run_id);
  std::vector<Finding> out;
  while (st->executeStep()) {
    Finding f;
    f.probe = st->getColumn(0).getString();
    f.target = st->getColumn(1).getString();
    if (!parse_finding_status(st->getColumn(2).getString(), f.status))
      throw std::runtime_error("findings: run " + std::to_string(run_id) + ": unknown status '" + st->getColumn(2).getString() + "'");
    f.summary = st->getColumn(3).getString();
    f.evidence = nlohmann::json::parse(st->getColumn(4).getString(), nullptr, false);
    f.remediation = st->getColumn(5).getString();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace authwatch::storage
