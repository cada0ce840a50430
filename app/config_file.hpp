#pragma once
// The config file, read and checked the same way by both executables: each problem is one line
// that names the file and the key ("FILE: incidents.quiet_period_minutes: ...").
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace authwatch::app {

// A config file is a few kilobytes; a larger one is not one.
inline constexpr std::size_t kMostConfigBytes = 4 << 20;

// The text of a config file the reader may read (`authwatch`): at most kMostConfigBytes. The
// service reads only a file nobody else could have changed (service/trusted_file.hpp), with the
// same bound. The error names the file: "FILE: cannot read the config file".
Result<std::string> read_config_text(const std::string& path);

struct LoadedConfig {
  Config config;                      // the defaults where there were problems
  std::vector<std::string> problems;  // "FILE: key: problem", empty when the config is valid
  bool ok() const { return problems.empty(); }
};

// Parses and checks the text of the config file at `path` (core/config.hpp).
LoadedConfig parse_config_file(const std::string& path, std::string_view text);

}  // namespace authwatch::app
