#include "sources/fingerprint.hpp"

#include <charconv>
#include <vector>

#include "core/text.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {
namespace {

constexpr size_t kPrefix = 1024;

bool read_prefix(const std::string& path, size_t max, std::string& out) {
  SharedInputFile in(path);
  if (!in) return false;
  out.resize(max);
  in.read(out.data(), static_cast<std::streamsize>(max));
  out.resize(static_cast<size_t>(in.gcount()));
  return true;
}

std::string make_identity(const std::string& prefix) {
  return "fnv1a64:" + std::to_string(prefix.size()) + ":" + hex64(fnv1a64(prefix));
}

}  // namespace

std::string file_fingerprint(const std::string& path) {
  std::string prefix;
  if (!read_prefix(path, kPrefix, prefix)) return {};
  return make_identity(prefix);
}

bool fingerprint_matches(const std::string& path, const std::string& identity) {
  constexpr std::string_view tag = "fnv1a64:";
  if (identity.compare(0, tag.size(), tag) != 0) return false;
  auto colon = identity.find(':', tag.size());
  if (colon == std::string::npos) return false;
  size_t length = 0;
  auto [p, ec] = std::from_chars(identity.data() + tag.size(), identity.data() + colon, length);
  if (ec != std::errc{} || length > kPrefix) return false;
  std::string prefix;
  if (!read_prefix(path, length, prefix) || prefix.size() != length) return false;
  return make_identity(prefix) == identity;
}

}  // namespace authwatch::sources
