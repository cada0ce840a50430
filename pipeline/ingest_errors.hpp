#pragma once
// Why a file or batch was not read (FileIngest::failure's code): `authwatch scan` and the
// monitor's sources act on the kind, never on the message. The model: core/result.hpp.
#include <string>
#include <system_error>

namespace authwatch::pipeline {

enum class IngestErrc {
  cannot_open = 1,     // the file could not be opened; Error::os has the system's errno
  unknown_format = 2,  // opened, but none of the readers recognises it
  read_failed = 3,     // the reader gave up on it (e.g. a damaged .evtx header); nothing was stored
  not_stored = 4,      // storing it failed for another reason than the database (which throws)
};

class IngestErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "authwatch.ingest"; }
  std::string message(int value) const override {
    switch (static_cast<IngestErrc>(value)) {
      case IngestErrc::cannot_open: return "cannot be opened";
      case IngestErrc::unknown_format: return "not a recognised format";
      case IngestErrc::read_failed: return "could not be read";
      case IngestErrc::not_stored: return "could not be stored";
    }
    return "unknown ingest error " + std::to_string(value);
  }
};

inline const std::error_category& ingest_category() {
  static const IngestErrorCategory category;
  return category;
}

inline std::error_code make_error_code(IngestErrc e) { return {static_cast<int>(e), ingest_category()}; }

}  // namespace authwatch::pipeline

template <>
struct std::is_error_code_enum<authwatch::pipeline::IngestErrc> : std::true_type {};
