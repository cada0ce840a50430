#include "core/observer.hpp"

#include <cctype>

#include "core/ad_names.hpp"
#include "core/text.hpp"

namespace authwatch {
namespace {

// A host name a server may call itself: a DNS name, not an address literal, not a site.
bool names_a_host(std::string_view name) {
  return !name.empty() && is_host_name(name) && !looks_like_ip(name) && !std::isdigit(static_cast<unsigned char>(name.front()));
}

}  // namespace

std::string observer_key(std::string_view name, std::string_view address) {
  name = trim(name);
  if (!name.empty()) {
    while (!name.empty() && name.back() == '.') name.remove_suffix(1);  // "ex1.contoso.com." is ex1.contoso.com
    if (looks_like_ip(name)) return std::string(name);
    return to_lower(short_host(name));
  }
  return std::string(trim(address));
}

std::string better_observer_name(std::string_view current, std::string_view seen) {
  seen = trim(seen);
  if (seen.empty()) return std::string(current);
  if (current.empty()) return std::string(seen);
  const bool current_full = current.find('.') != std::string_view::npos && !looks_like_ip(current);
  const bool seen_full = seen.find('.') != std::string_view::npos && !looks_like_ip(seen);
  if (seen_full && !current_full && observer_key(seen) == observer_key(current)) return std::string(seen);
  return std::string(current);
}

std::string server_of_queue_identity(std::string_view identity) {
  const auto slash = identity.find('\\');
  if (slash == std::string_view::npos) return {};
  const auto server = trim(identity.substr(0, slash));
  return names_a_host(server) ? std::string(server) : std::string();
}

std::string server_of_connector_id(std::string_view connector_id) { return server_of_queue_identity(connector_id); }

std::string host_in_own_smtp_line(std::string_view line) {
  line = trim(line);
  std::string_view rest;
  if (istarts_with(line, "EHLO ") || istarts_with(line, "HELO ")) {
    rest = line.substr(5);
  } else if (istarts_with(line, "220 ") || ((istarts_with(line, "250-") || istarts_with(line, "250 ")) && icontains(line, " Hello"))) {
    rest = line.substr(4);
  } else {
    return {};
  }
  rest = trim(rest);
  const auto host = rest.substr(0, rest.find(' '));
  return names_a_host(host) ? std::string(host) : std::string();
}

}  // namespace authwatch
