#include "probes/ldap/repl_neighbor.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <type_traits>

#include <pugixml.hpp>

#include "core/text.hpp"

namespace authwatch::probes::ldap {
namespace {

Error malformed_neighbors(const std::string& what) { return Error{"msDS-ReplAllInboundNeighbors value malformed: " + what}; }

// The element named psz<Name> (DS_REPL_NEIGHBORW's XML) or osz<Name> (its _BLOB form's names).
pugi::xml_node string_field(pugi::xml_node root, const char* name) {
  for (const char* prefix : {"psz", "osz"}) {
    auto n = root.child((std::string(prefix) + name).c_str());
    if (n) return n;
  }
  return {};
}

std::string text_of(pugi::xml_node n) { return std::string(trim(n.text().get())); }

template <class T>
Result<T> number(pugi::xml_node root, const char* element, bool required) {
  auto n = root.child(element);
  if (!n) {
    if (required) return malformed_neighbors(std::string("no <") + element + ">");
    return T{0};
  }
  const std::string text = text_of(n);
  // dwLastSyncResult may be rendered signed (an HRESULT such as -2146893022): keep its bits.
  if (std::is_same_v<T, uint32_t> && !text.empty() && text[0] == '-') {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < INT32_MIN)
      return malformed_neighbors(std::string("<") + element + "> is not a number: '" + text + "'");
    return static_cast<T>(static_cast<int32_t>(v));
  }
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return malformed_neighbors(std::string("<") + element + "> is not a number: '" + text + "'");
  return v;
}

// An ftime element: ISO 8601 UTC; the FILETIME epoch (1601-01-01) or an absent element = never.
Result<std::optional<TimePoint>> ftime(pugi::xml_node root, const char* element) {
  auto n = root.child(element);
  if (!n) return std::optional<TimePoint>{};
  const std::string text = text_of(n);
  auto t = parse_iso8601(text);
  if (!t) return malformed_neighbors(std::string("<") + element + "> is not a time: '" + text + "'");
  using namespace std::chrono;
  const TimePoint epoch1601{sys_days{year{1601} / January / 1}};
  if (*t <= epoch1601) return std::optional<TimePoint>{};
  return std::optional<TimePoint>{*t};
}

}  // namespace

Result<ReplNeighbor> parse_repl_neighbor_xml(std::string_view value) {
  // Windows ends each value with a NUL (counted in the value's length).
  while (!value.empty() && (value.back() == '\0' || value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(value.data(), value.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return malformed_neighbors(std::string("not XML (") + parsed.description() + " at offset " + std::to_string(parsed.offset) + ")");
  auto root = doc.document_element();
  const std::string root_name = root.name();
  if (root_name != "DS_REPL_NEIGHBOR" && root_name != "DS_REPL_NEIGHBORW")
    return malformed_neighbors("root element <" + root_name + ">, expected <DS_REPL_NEIGHBOR>");

  ReplNeighbor n;
  auto nc = string_field(root, "NamingContext");
  if (!nc || text_of(nc).empty()) return malformed_neighbors("no <pszNamingContext>");
  n.naming_context = text_of(nc);
  n.source_dsa_dn = text_of(string_field(root, "SourceDsaDN"));
  n.source_address = text_of(string_field(root, "SourceDsaAddress"));
  n.source_dsa_guid = to_lower(text_of(root.child("uuidSourceDsaObjGuid")));
  if (n.source_dsa_dn.empty() && n.source_address.empty()) return malformed_neighbors("neither <pszSourceDsaDN> nor <pszSourceDsaAddress>");

  auto flags = number<uint32_t>(root, "dwReplicaFlags", false);
  auto usn = number<uint64_t>(root, "usnLastObjChangeSynced", false);
  auto result = number<uint32_t>(root, "dwLastSyncResult", true);
  auto failures = number<uint32_t>(root, "cNumConsecutiveSyncFailures", true);
  auto success = ftime(root, "ftimeLastSyncSuccess");
  auto attempt = ftime(root, "ftimeLastSyncAttempt");
  for (const std::string* e : {flags ? nullptr : &flags.error(), usn ? nullptr : &usn.error(), result ? nullptr : &result.error(),
                               failures ? nullptr : &failures.error(), success ? nullptr : &success.error(),
                               attempt ? nullptr : &attempt.error()})
    if (e) return Error{*e};
  n.replica_flags = flags.value();
  n.usn_synced = usn.value();
  n.last_result = result.value();
  n.consecutive_failures = failures.value();
  n.last_success = success.value();
  n.last_attempt = attempt.value();
  return n;
}

}  // namespace authwatch::probes::ldap
