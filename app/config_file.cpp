#include "app/config_file.hpp"

#include <fstream>

namespace authwatch::app {

Result<std::string> read_config_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the config file"};
  std::string text;
  char chunk[64 * 1024];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    if (text.size() + static_cast<std::size_t>(in.gcount()) > kMostConfigBytes)
      return Error{path + ": cannot read the config file: larger than " + std::to_string(kMostConfigBytes >> 20) + " MiB"};
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return Error{path + ": cannot read the config file"};
  return text;
}

LoadedConfig parse_config_file(const std::string& path, std::string_view text) {
  auto parsed = parse_config(text, path);
  LoadedConfig loaded;
  loaded.config = std::move(parsed.config);
  for (const auto& p : parsed.problems) loaded.problems.push_back(path + ": " + p.message());
  return loaded;
}

}  // namespace authwatch::app
