#pragma once
// AuthWatch's configuration: one JSON file, every key optional with a default. Validation names
// the key path and the problem ("incidents.quiet_period_minutes: must be an integer >= 1, got \"x\"").
// Parsing is pure; reading the file is the caller's job.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.hpp"
#include "core/result.hpp"

namespace authwatch {

struct Config {
  struct Database {
    std::string path;         // "" = the platform default
    int retention_days = 90;  // `authwatch prune` without --days
  } database;
  IncidentPolicy incidents;
  struct Logging {
    std::string level = "info";  // trace|debug|info|warning|error
  } logging;
};

struct ConfigProblem {
  std::string key;      // dotted path, e.g. "incidents.quiet_period_minutes"
  std::string problem;
  std::string message() const { return key + ": " + problem; }
};

struct ConfigParse {
  Config config;                       // defaults where the text had problems
  std::vector<ConfigProblem> problems;  // empty when valid
  bool ok() const { return problems.empty(); }
};

// `origin` names the text in messages (the file path).
ConfigParse parse_config(std::string_view json_text, const std::string& origin = "config");

// The documented defaults as JSON (for `authwatch config --defaults` and the installer).
std::string default_config_json();

}  // namespace authwatch
