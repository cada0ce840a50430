#include "service/queue_command_source.hpp"

#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/log/trivial.hpp>

#include "core/utf8.hpp"
#include "pipeline/alerts.hpp"
#include "service/trusted_file.hpp"
#include "storage/store.hpp"

namespace authwatch::service {
namespace fs = std::filesystem;

QueueCommandSource::QueueCommandSource(QueueCommandOptions options, boost::asio::thread_pool& pool, storage::Database& db, const Clock& clock)
    : options_(std::move(options)), pool_(pool), db_(db), clock_(clock) {}

// A running command is killed; the task holds only copies (and the shared cancel flag), so the
// pool may finish it after this object is gone.
QueueCommandSource::~QueueCommandSource() { stop(); }

void QueueCommandSource::start() {
  auto task = std::make_shared<std::packaged_task<CommandResult()>>(
      [argv = options_.command, timeout = std::chrono::milliseconds(options_.timeout), cancel = cancel_, limits = options_.limits] {
        return run_command(argv, timeout, cancel.get(), limits);
      });
  running_ = task->get_future();
  boost::asio::post(pool_, [task] { (*task)(); });
  next_run_ = clock_.steady_now() + options_.interval;
}

SourcePoll QueueCommandSource::poll(pipeline::Ingest& ingest) {
  SourcePoll out;
  if (!untaken_ && running_ && running_->wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
    untaken_ = running_->get();
    running_.reset();
  }
  if (untaken_) {
    take(*untaken_, ingest, out);  // throws when the database fails: kept for the next poll
    untaken_.reset();
  }
  if (!running_ && clock_.steady_now() >= next_run_) start();
  return out;
}

void QueueCommandSource::take(const CommandResult& result, pipeline::Ingest& ingest, SourcePoll& out) {
  std::string problem = result.problem();
  const bool empty = result.ok() && result.out.find_first_not_of(" \t\r\n") == std::string::npos;
  if (problem.empty() && !empty) {
    // Replace the spool atomically: a reader (or a kill -9) sees the old snapshot or the new one.
    // The partial file is created exclusively (service/trusted_file.hpp): never one someone else
    // left or linked there.
    const std::string partial = options_.spool + ".partial";
    if (auto written = write_new_file(partial, result.out); !written) problem = "cannot write the snapshot: " + written.error();
    std::error_code ec;
    if (problem.empty()) fs::rename(partial, options_.spool, ec);
    if (problem.empty() && ec) problem = "cannot replace " + options_.spool + ": " + ec.message();
    // Held while it is read: it is checked to be the service's own and cannot change until read.
    std::optional<TrustedFile> held;
    if (problem.empty()) {
      auto spool = TrustedFile::open(options_.spool);
      if (spool) held = std::move(spool).value();
      else problem = "the snapshot file: " + spool.error();
    }
    if (problem.empty()) {
      auto file = ingest.ingest_file(options_.spool);
      if (file.quarantined > 0) out.quarantined.push_back({options_.spool, file.quarantined, file.first_quarantine_error});
      out.new_events += file.new_events;
      out.bad_records += file.bad_records;
      if (file.format == sources::FileFormat::Unknown) {
        std::string head(utf8_prefix(result.out, 120));
        for (auto& c : head)
          if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        problem = "its output is not Get-Queue JSON: \"" + head + (result.out.size() > 120 ? "...\"" : "\"");
      } else if (file.failure) {
        problem = file.failure->message;
      } else if (file.bad_records > 0 && file.records_read == file.bad_records) {
        problem = "none of its " + std::to_string(file.bad_records) + " queue record(s) could be read: " + file.errors.front().message();
      }
    }
  }
  if (!problem.empty()) {
    out.errors.push_back(name() + ": " + problem);
    // Each new kind of problem once (its text may change from run to run: a time, a stderr line).
    const std::string kind = !result.started ? "not started" : result.timed_out ? "timed out" : result.exit_code != 0 ? "exit " + std::to_string(result.exit_code) : "output";
    if (failing_ != kind) record_health(problem, &result);
    failing_ = kind;
  } else if (failing_) {
    record_health("", &result);
    failing_.reset();
  }
}

void QueueCommandSource::record_health(const std::string& problem, const CommandResult* result) {
  storage::Store store(db_);
  const auto now = clock_.now();
  const std::string command = command_line(options_.command);
  Finding finding;
  finding.probe = "queue-command";
  finding.target = options_.command.empty() ? "" : options_.command.front();
  finding.status = problem.empty() ? FindingStatus::Ok : FindingStatus::Error;
  finding.summary = problem.empty() ? "the queue snapshot command works again" : "the queue snapshot command failed: " + problem;
  finding.evidence = {{"command", command},
                      {"executable", result->executable},
                      {"started", result->started},
                      {"timed_out", result->timed_out},
                      {"exit_code", result->started && !result->timed_out ? nlohmann::json(result->exit_code) : nlohmann::json(nullptr)},
                      {"stderr", utf8_excerpt(result->err, 2000)},
                      {"took_seconds", result->took.count() / 1000.0},
                      {"timeout_seconds", options_.timeout.count()},
                      {"error", problem}};
  if (!problem.empty())
    finding.remediation =
        "Run the command by hand as the service account; Get-Queue needs Exchange's remote PowerShell (TCP 80 to the server, "
        "Kerberos, an RBAC role with Get-Queue). Set queue.command in the config, or queue.enabled false.";
  storage::ProbeRunRecord run;
  run.started_at = now - std::chrono::duration_cast<std::chrono::microseconds>(result->took);
  run.finished_at = now;
  run.trigger = "queue-command";
  run.targets = {{"command", command}};
  run.status = std::string(to_string(finding.status));
  run.error = problem;
  db_.transaction([&] {
    const auto run_id = store.insert_probe_run(run, {finding});
    store.insert_alert(pipeline::health_alert(problem.empty() ? "Get-Queue snapshots work again (" + std::string(utf8_prefix(command, 80)) + ")"
                                                    : "Get-Queue snapshots fail: " + problem + " — queues are not watched until the command works",
                                    {{"source", "queue-command"}, {"probe_run_id", run_id}, {"ok", problem.empty()}}, now));
  });
  if (problem.empty()) BOOST_LOG_TRIVIAL(info) << name() << ": works again";
  else BOOST_LOG_TRIVIAL(warning) << name() << ": " << problem;
}

}  // namespace authwatch::service
