#include "cli/context.hpp"

#include <fstream>
#include <sstream>

#include "cli/exit_codes.hpp"
#include "cli/platform.hpp"

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
    std::ifstream in(config_path, std::ios::binary);
    if (!in) {
      err << "authwatch: " << config_path << ": cannot read the config file\n";
      exit_code = kFailure;
      return nullptr;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse_config(text.str(), config_path);
    if (!parsed.ok()) {
      for (const auto& p : parsed.problems) err << "authwatch: " << config_path << ": " << p.message() << '\n';
      exit_code = kFailure;
      return nullptr;
    }
    *config = parsed.config;
  }
  config_ = std::move(config);
  return config_.get();
}

std::string Context::database_path() {
  const Config* cfg = config();
  if (!cfg) return {};
  return !db_path.empty() ? db_path : !cfg->database.path.empty() ? cfg->database.path : default_database_path();
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
