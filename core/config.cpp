#include "core/config.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

namespace authwatch {
namespace {

using nlohmann::json;

std::string shown(const json& v) {
  auto s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// One setter per key: the schema is this table, so unknown keys (typos) are caught uniformly.
using Setter = std::function<std::optional<std::string>(const json&, Config&)>;

Setter minutes_to(std::chrono::seconds IncidentPolicy::*field) {
  return [field](const json& v, Config& c) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 7 * 24 * 60)
      return "must be an integer number of minutes from 1 to 10080, got " + shown(v);
    c.incidents.*field = std::chrono::minutes{v.get<long long>()};
    return std::nullopt;
  };
}

const std::map<std::string, std::map<std::string, Setter>>& schema() {
  static const std::map<std::string, std::map<std::string, Setter>> s = {
      {"database",
       {{"path",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_string()) return "must be a string (a file path), got " + shown(v);
           c.database.path = v.get<std::string>();
           return std::nullopt;
         }},
        {"retention_days",
         [](const json& v, Config& c) -> std::optional<std::string> {
           if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 36500)
             return "must be an integer number of days from 1 to 36500, got " + shown(v);
           c.database.retention_days = v.get<int>();
           return std::nullopt;
         }}}},
      {"incidents",
       {{"quiet_period_minutes", minutes_to(&IncidentPolicy::quiet_period)},
        {"diagnose_cooldown_minutes", minutes_to(&IncidentPolicy::diagnose_cooldown)}}},
      {"logging",
       {{"level", [](const json& v, Config& c) -> std::optional<std::string> {
           static const std::vector<std::string> levels = {"trace", "debug", "info", "warning", "error"};
           if (!v.is_string() || std::find(levels.begin(), levels.end(), v.get<std::string>()) == levels.end())
             return "must be one of trace, debug, info, warning, error, got " + shown(v);
           c.logging.level = v.get<std::string>();
           return std::nullopt;
         }}}},
  };
  return s;
}

}  // namespace

ConfigParse parse_config(std::string_view text, const std::string& origin) {
  ConfigParse out;
  json root;
  try {
    root = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    out.problems.push_back({origin, std::string("not valid JSON: ") + e.what()});
    return out;
  }
  if (!root.is_object()) {
    out.problems.push_back({origin, "must be a JSON object, got " + shown(root)});
    return out;
  }
  for (const auto& [section, value] : root.items()) {
    auto sec = schema().find(section);
    if (sec == schema().end()) {
      out.problems.push_back({section, "unknown key"});
      continue;
    }
    if (!value.is_object()) {
      out.problems.push_back({section, "must be an object, got " + shown(value)});
      continue;
    }
    for (const auto& [key, v] : value.items()) {
      auto setter = sec->second.find(key);
      if (setter == sec->second.end()) {
        out.problems.push_back({section + "." + key, "unknown key"});
        continue;
      }
      if (auto problem = setter->second(v, out.config)) out.problems.push_back({section + "." + key, *problem});
    }
  }
  if (out.config.incidents.diagnose_cooldown > out.config.incidents.quiet_period * 48)
    out.problems.push_back({"incidents.diagnose_cooldown_minutes", "is longer than 48 quiet periods; probes would never rerun"});
  return out;
}

std::string default_config_json() {
  Config c;
  json j = {
      {"database", {{"path", c.database.path}, {"retention_days", c.database.retention_days}}},
      {"incidents",
       {{"quiet_period_minutes", std::chrono::duration_cast<std::chrono::minutes>(c.incidents.quiet_period).count()},
        {"diagnose_cooldown_minutes", std::chrono::duration_cast<std::chrono::minutes>(c.incidents.diagnose_cooldown).count()}}},
      {"logging", {{"level", c.logging.level}}},
  };
  return j.dump(2);
}

}  // namespace authwatch
