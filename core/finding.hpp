#pragma once
// What a probe reports about one target: the unit diagnosis reasons over.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace authwatch {

enum class FindingStatus { Ok, Warn, Fail, Error, Skipped };

std::string_view to_string(FindingStatus s);
bool parse_finding_status(std::string_view text, FindingStatus& out);

struct Finding {
  std::string probe;   // "clock", "ports", "dns", "smtp", ...
  std::string target;  // the DC, the peer, the realm
  FindingStatus status = FindingStatus::Ok;
  std::string summary;  // one line for people
  nlohmann::json evidence = nlohmann::json::object();  // numbers as numbers (e.g. offset_seconds)
  std::string remediation;  // what to do, when status is warn/fail
};

}  // namespace authwatch
