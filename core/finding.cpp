#include "core/finding.hpp"

namespace authwatch {

std::string_view to_string(FindingStatus s) {
  switch (s) {
    case FindingStatus::Ok: return "ok";
    case FindingStatus::Warn: return "warn";
    case FindingStatus::Fail: return "fail";
    case FindingStatus::Error: return "error";
    case FindingStatus::Skipped: return "skipped";
  }
  return "error";
}

bool parse_finding_status(std::string_view text, FindingStatus& out) {
  for (auto s : {FindingStatus::Ok, FindingStatus::Warn, FindingStatus::Fail, FindingStatus::Error, FindingStatus::Skipped}) {
    if (to_string(s) == text) {
      out = s;
      return true;
    }
  }
  return false;
}

}  // namespace authwatch
