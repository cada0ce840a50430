#include "cli/context.hpp"

#include "app/config_file.hpp"
#include "app/paths.hpp"
#include "cli/exit_codes.hpp"

namespace authwatch::cli {

OutputFormat Context::format() const {
  if (format_name == "json") return OutputFormat::Json;
  if (format_name == "csv") return OutputFormat::Csv;
  return OutputFormat::Table;
}

const Config* Context::config() {
  if (config_) return config_.get();
  auto config = std::make_unique<Config>();
  if (!config_path.empty()) {
    auto text = app::read_config_text(config_path);
    if (!text) {
      err << "authwatch: " << text.error() << '\n';
      exit_code = kFailure;
      return nullptr;
    }
    auto loaded = app::parse_config_file(config_path, text.value());
    if (!loaded.ok()) {
      for (const auto& problem : loaded.problems) err << "authwatch: " << problem << '\n';
      exit_code = kFailure;
      return nullptr;
    }
    *config = std::move(loaded.config);
  }
  config_ = std::move(config);
  return config_.get();
}

std::string Context::database_path() {
  const Config* cfg = config();
  if (!cfg) return {};
  return app::database_path(db_path, cfg->database.path);
}

std::unique_ptr<storage::Database> Context::open_database(storage::Database::Mode mode) {
  const Config* cfg = config();
  if (!cfg) return nullptr;
  return open_database_at(database_path(), mode);
}

std::unique_ptr<storage::Database> Context::open_database_at(const std::string& path, storage::Database::Mode mode) {
  auto db = storage::Database::open(path, mode);
  if (!db) {
    err << "authwatch: " << db.error() << '\n';
    exit_code = kFailure;
    return nullptr;
  }
  return std::move(db).value();
}

nlohmann::json incident_json(const Incident& i) {
  nlohmann::json j = {{"id", i.id},
                      {"observer", i.observer.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.observer)},
                      {"direction", to_string(i.direction)},
                      {"peer", i.peer},
                      {"peer_name", i.peer_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.peer_name)},
                      {"peer_context", i.peer_context.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.peer_context)},
                      {"status", to_string(i.status)},
                      {"signal_count", i.signal_count},
                      {"first_seen", format_iso8601(i.first_seen)},
                      {"last_seen", format_iso8601(i.last_seen)},
                      {"resolved_at", i.resolved_at ? nlohmann::json(format_iso8601(*i.resolved_at)) : nlohmann::json(nullptr)}};
  return j;
}

}  // namespace authwatch::cli
