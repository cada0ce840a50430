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

}  // namespace authwatch::cli
