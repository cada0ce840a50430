#include "sources/event_xml.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <optional>

#include <pugixml.hpp>

#include "core/text.hpp"
#include "core/utf8.hpp"
#include "sources/text_encoding.hpp"

namespace authwatch::sources {
namespace {

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  text = trim(text);
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "auto-ns3:Channel" -> "Channel": pugixml keeps prefixes, field names should not depend on them.
std::string local_name(const pugi::xml_node& node) {
  std::string_view name = node.name();
  auto colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

bool has_element_children(const pugi::xml_node& node) {
  for (auto child : node.children())
    if (child.type() == pugi::node_element) return true;
  return false;
}

// <Data Name='X'>v</Data> -> "X"; unnamed <Data> -> "1", "2", ... counting unnamed ones only.
void add_event_data(const pugi::xml_node& event_data, TransportEvent& event) {
  int unnamed = 0;
  for (auto child : event_data.children()) {
    if (child.type() != pugi::node_element) continue;
    auto name = local_name(child);
    if (name == "Data") {
      std::string_view data_name = child.attribute("Name").value();
      std::string key = data_name.empty() ? std::to_string(++unnamed) : std::string(data_name);
      event.fields.emplace(std::move(key), child.text().get());
    } else if (name == "Binary") {
      event.fields.emplace("Binary", child.text().get());
    }
  }
}

// Manifest events put their payload in provider-defined elements under <UserData>; the leaves
// are the values (AutoBackup/Channel, AutoBackup/BackupPath). The first leaf of a name wins.
void add_user_data_leaves(const pugi::xml_node& node, TransportEvent& event, int depth = 0) {
  constexpr int kMaxDepth = 16;  // real payloads are 2-3 deep; a hostile file must not exhaust the stack
  if (depth > kMaxDepth) return;
  for (auto child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (has_element_children(child)) {
      add_user_data_leaves(child, event, depth + 1);
    } else {
      event.fields.emplace(local_name(child), child.text().get());
    }
  }
}

// The mapping of one <Event> element; nullopt with `failure` set when a required part is missing.
std::optional<TransportEvent> parse_event_element(const pugi::xml_node& event, SourceKind kind,
                                                  const std::string& location, const std::string& locator,
                                                  std::string& failure) {
  auto system = event.child("System");
  if (!system) {
    failure = "no <System>";
    return std::nullopt;
  }
  TransportEvent out;
  out.source_kind = kind;
  out.location = to_valid_utf8(location);  // a file name is outside text too
  out.locator = locator;

  auto provider = system.child("Provider");
  out.provider = provider.attribute("Name").value();
  if (out.provider.empty()) out.provider = provider.attribute("EventSourceName").value();
  if (out.provider.empty()) {
    failure = provider ? "<Provider> has neither Name nor EventSourceName" : "no <Provider>";
    return std::nullopt;
  }

  auto event_id = system.child("EventID");
  if (!event_id) {
    failure = "no <EventID>";
    return std::nullopt;
  }
  auto id = parse_number<uint32_t>(event_id.text().get());
  if (!id) {
    failure = "EventID '" + to_valid_utf8(event_id.text().get()) + "' is not a number";
    return std::nullopt;
  }
  out.event_id = *id;

  out.level = parse_number<int>(system.child("Level").text().get()).value_or(0);
  out.channel = system.child("Channel").text().get();
  out.computer = system.child("Computer").text().get();

  if (auto record = system.child("EventRecordID")) {
    auto number = parse_number<uint64_t>(record.text().get());
    if (!number) {
      failure = "EventRecordID '" + to_valid_utf8(record.text().get()) + "' is not a number";
      return std::nullopt;
    }
    out.record_id = *number;
  }

  auto system_time = system.child("TimeCreated").attribute("SystemTime");
  if (!system_time) {
    failure = "no <TimeCreated SystemTime>";
    return std::nullopt;
  }
  auto time = parse_iso8601(system_time.value());
  if (!time) {
    failure = "SystemTime '" + to_valid_utf8(system_time.value()) + "' is not an ISO 8601 time";
    return std::nullopt;
  }
  out.time = *time;

  if (auto event_data = event.child("EventData")) add_event_data(event_data, out);
  if (auto user_data = event.child("UserData")) add_user_data_leaves(user_data, out);
  // Derived fields are set last, so they win over a payload field of the same name.
  if (auto qualifiers = event_id.attribute("Qualifiers")) out.fields["Qualifiers"] = qualifiers.value();
  if (auto message = event.child("RenderingInfo").child("Message")) {
    out.text = message.text().get();
    out.fields["Message"] = out.text;
  }
  out.key = event_key(out);
  return out;
}

size_t count_lines(std::string_view text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// pugixml's description, with the line of the fault when the caller knows where the text starts.
std::string malformed_reason(const pugi::xml_parse_result& result, std::string_view xml,
                             std::optional<size_t> first_line) {
  std::string reason = std::string("malformed XML: ") + result.description();
  auto at = static_cast<size_t>(std::max<ptrdiff_t>(result.offset, 0));
  if (first_line) return reason + " (at line " + std::to_string(*first_line + count_lines(xml.substr(0, at))) + ")";
  return reason + " (at byte " + std::to_string(at) + ")";
}

std::variant<TransportEvent, std::string> parse_one_event(std::string_view xml, SourceKind kind,
                                                          const std::string& location, const std::string& locator,
                                                          std::optional<size_t> first_line) {
  pugi::xml_document document;
  auto result = document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) return malformed_reason(result, xml, first_line);
  auto root = document.document_element();
  if (local_name(root) != "Event") {
    return root ? "not an <Event> element (the root is <" + to_valid_utf8(root.name()) + ">)"
                : std::string("no <Event> element");
  }
  std::string failure;
  if (auto event = parse_event_element(root, kind, location, locator, failure)) return *std::move(event);
  return failure;
}

// --- splitting a file into top-level <Event> elements -----------------------------------------
// Each event is parsed on its own, so one broken event costs only itself. Only markup boundaries
// are looked at here (which tag opens where); the XML itself is read by pugixml.

struct Piece {
  enum class Kind { Event, BrokenEvent, Stray };
  Kind kind;
  size_t begin;
  size_t end;
  std::string reason;  // BrokenEvent and Stray
};

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Untrusted text quoted in a message: short, and UTF-8. The cut steps back to the start of a
// character it would split (at most 3 bytes; a stray continuation byte is shown escaped anyway).
std::string snippet(std::string_view text) {
  constexpr size_t kMax = 60;
  text = trim(text);
  return text.size() <= kMax ? to_valid_utf8(text) : utf8_excerpt(text, kMax) + "...";
}

// Whether the tag opening at `lt` is <Event or </Event (not <EventData, <Events). Only the
// name's bytes are looked at: scanning on to the end of the name would read a run of '<' inside an
// event once per '<', quadratic in a hostile file.
bool is_event_tag(std::string_view text, size_t lt) {
  constexpr std::string_view kName = "Event";
  size_t begin = lt + 1;
  if (begin < text.size() && text[begin] == '/') ++begin;
  if (text.substr(begin, kName.size()) != kName) return false;
  const size_t end = begin + kName.size();
  return end == text.size() || std::string_view(" \t\r\n/>").find(text[end]) != std::string_view::npos;
}

std::vector<Piece> split_events(std::string_view text) {
  std::vector<Piece> pieces;
  std::optional<size_t> open_event;
  size_t pos = 0;
  auto note_stray = [&](size_t begin, size_t end) {
    if (!open_event && !is_blank(text.substr(begin, end - begin)))
      pieces.push_back({Piece::Kind::Stray, begin, end,
                        "text outside any <Event>: \"" + snippet(text.substr(begin, end - begin)) + "\""});
  };
  while (pos < text.size()) {
    size_t lt = text.find('<', pos);
    if (lt == std::string_view::npos) break;
    note_stray(pos, lt);
    std::string_view rest = text.substr(lt);
    // Comments, CDATA, declarations: skipped whole, so an "<Event" inside them is not a boundary.
    std::string_view terminator;
    if (rest.starts_with("<!--")) terminator = "-->";
    else if (rest.starts_with("<![CDATA[")) terminator = "]]>";
    else if (rest.starts_with("<?")) terminator = "?>";
    else if (rest.starts_with("<!")) terminator = ">";
    if (!terminator.empty()) {
      size_t end = text.find(terminator, lt + 2);
      if (end == std::string_view::npos) {
        if (!open_event)
          pieces.push_back({Piece::Kind::Stray, lt, text.size(), "the file ends inside \"" + snippet(rest) + "\""});
        pos = text.size();
        break;
      }
      pos = end + terminator.size();
      continue;
    }
    bool closing = rest.starts_with("</");
    if (!is_event_tag(text, lt)) {
      if (open_event) {
        pos = lt + 1;  // inside an event every other tag is pugixml's business
        continue;
      }
      size_t gt = text.find('>', lt);  // a root element such as <Events> around the events
      if (gt == std::string_view::npos) {
        pieces.push_back({Piece::Kind::Stray, lt, text.size(), "the file ends inside \"" + snippet(rest) + "\""});
        return pieces;
      }
      pos = gt + 1;
      continue;
    }
    size_t gt = text.find('>', lt);
    if (gt == std::string_view::npos) {  // the file ends inside this <Event or </Event tag
      if (closing) {
        pos = lt;  // an open event stays open (reported below); otherwise it is stray text
        break;
      }
      if (open_event)
        pieces.push_back({Piece::Kind::BrokenEvent, *open_event, lt, "<Event> is not closed before the next <Event>"});
      open_event = lt;
      pos = text.size();
      break;
    }
    if (closing) {
      if (open_event) {
        pieces.push_back({Piece::Kind::Event, *open_event, gt + 1, {}});
        open_event.reset();
      } else {
        pieces.push_back({Piece::Kind::Stray, lt, gt + 1, "</Event> without a matching <Event>"});
      }
    } else {
      if (open_event) {
        pieces.push_back({Piece::Kind::BrokenEvent, *open_event, lt, "<Event> is not closed before the next <Event>"});
        open_event.reset();
      }
      if (text[gt - 1] == '/') pieces.push_back({Piece::Kind::Event, lt, gt + 1, {}});
      else open_event = lt;
    }
    pos = gt + 1;
  }
  if (open_event) {
    pieces.push_back({Piece::Kind::BrokenEvent, *open_event, text.size(),
                      "<Event> is not closed: the file ends first (truncated?)"});
  } else if (pos < text.size()) {
    note_stray(pos, text.size());
  }
  return pieces;
}

// Line numbers of ascending offsets, counted once over the text.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  size_t line_at(size_t offset) {
    line_ += count_lines(text_.substr(pos_, offset - pos_));
    pos_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

std::string event_key(const TransportEvent& event) {
  std::string prefix = "evt:" + to_lower(event.computer) + "|" + event.channel + "|";
  if (event.record_id > 0) return prefix + std::to_string(event.record_id);
  // No record number (hand-made or forwarded XML): the content names the event.
  std::string values;
  bool first = true;
  for (const auto& [name, value] : event.fields) {
    if (!first) values += '\x1f';
    values += value;
    first = false;
  }
  return prefix + event.provider + "|" + std::to_string(event.event_id) + "|" + format_iso8601(event.time) +
         "|" + hex64(fnv1a64(values));
}

std::variant<TransportEvent, ReadError> parse_event_record(std::string_view one_event_xml, SourceKind kind,
                                                           const std::string& location,
                                                           const std::string& locator) {
  if (has_utf8_bom(one_event_xml)) one_event_xml.remove_prefix(kUtf8Bom.size());
  auto parsed = parse_one_event(one_event_xml, kind, location, locator, std::nullopt);
  if (auto* event = std::get_if<TransportEvent>(&parsed)) return std::move(*event);
  return ReadError{location, locator, std::get<std::string>(std::move(parsed))};
}

Result<TransportEvent> parse_event_xml(std::string_view one_event_xml, SourceKind kind,
                                       const std::string& location, const std::string& locator) {
  auto parsed = parse_event_record(one_event_xml, kind, location, locator);
  if (auto* error = std::get_if<ReadError>(&parsed)) return Error{error->message()};
  return std::get<TransportEvent>(std::move(parsed));
}

EventXmlParse parse_event_xml_stream(std::string_view text, SourceKind kind, const std::string& location) {
  if (has_utf8_bom(text)) text.remove_prefix(kUtf8Bom.size());
  EventXmlParse out;
  LineCounter lines(text);
  size_t event_number = 0;
  for (const auto& piece : split_events(text)) {
    size_t line = lines.line_at(piece.begin);
    if (piece.kind == Piece::Kind::Stray) {
      out.errors.push_back({location, "line " + std::to_string(line), piece.reason});
      continue;
    }
    std::string locator = "event " + std::to_string(++event_number) + " (line " + std::to_string(line) + ")";
    if (piece.kind == Piece::Kind::BrokenEvent) {
      out.errors.push_back({location, std::move(locator), piece.reason});
      continue;
    }
    auto parsed = parse_one_event(text.substr(piece.begin, piece.end - piece.begin), kind, location, locator, line);
    if (auto* event = std::get_if<TransportEvent>(&parsed)) {
      out.events.push_back(std::move(*event));
    } else {
      out.errors.push_back({location, std::move(locator), std::get<std::string>(std::move(parsed))});
    }
  }
  return out;
}

}  // namespace authwatch::sources
