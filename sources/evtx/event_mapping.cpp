#include "sources/evtx/event_mapping.hpp"

#include <charconv>
#include <limits>
#include <optional>

#include "core/text.hpp"
#include "sources/event_xml.hpp"
#include "sources/evtx/value_text.hpp"

namespace authwatch::sources::evtx {
namespace {

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  text = trim(text);
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view local_name(const std::string& name) {
  auto colon = name.find(':');
  return colon == std::string::npos ? std::string_view(name) : std::string_view(name).substr(colon + 1);
}

// An element's content as a number: straight from an integer-typed substitution value, else
// through its text as the XML mapping reads it. `text` is left with the text when it was read.
template <class Number>
std::optional<Number> number_of(ChunkDocument& document, ElementRef e, std::string& text) {
  text.clear();
  if (const Value* v = document.sole_content_value(e)) {
    if (auto n = value_as_unsigned(v->type, document.bytes_of(*v)); n && *n <= std::numeric_limits<Number>::max())
      return static_cast<Number>(*n);
  }
  text = document.text(e);
  return parse_number<Number>(text);
}

// FILETIMEs from 1601 to 9999 (what an ISO 8601 year can write) are read as values; anything
// else goes through the text, so it fails or passes exactly as the XML mapping would.
constexpr uint64_t kFileTimeYear10000 = 2'650'467'744'000'000'000ULL;

std::optional<TimePoint> system_time(ChunkDocument& document, ElementRef time_created, std::string& text, bool& present) {
  present = false;
  if (!time_created) return std::nullopt;
  if (const Value* v = document.sole_attribute_value(time_created, "SystemTime")) {
    const Bytes bytes = document.bytes_of(*v);
    if (v->type == value_type::kFileTime && bytes.size() == 8 && load_u64(bytes.data()) < kFileTimeYear10000) {
      present = true;
      return value_as_time(v->type, bytes);
    }
  }
  if (!document.attribute(time_created, "SystemTime", text)) return std::nullopt;
  present = true;
  return parse_iso8601(text);
}

void add_event_data(ChunkDocument& document, ElementRef event_data, TransportEvent& out) {
  int unnamed = 0;
  std::string name;
  document.for_each_child(event_data, [&](ElementRef child) {
    const auto local = local_name(child.element().name);
    if (local == "Data") {
      if (!document.attribute(child, "Name", name)) name.clear();
      std::string key = name.empty() ? std::to_string(++unnamed) : name;
      if (out.fields.find(key) == out.fields.end()) out.fields.emplace(std::move(key), document.text(child));
    } else if (local == "Binary") {
      if (out.fields.find("Binary") == out.fields.end()) out.fields.emplace("Binary", document.text(child));
    }
    return true;
  });
}

bool has_element_children(ChunkDocument& document, ElementRef e) {
  bool any = false;
  document.for_each_child(e, [&](ElementRef) {
    any = true;
    return false;
  });
  return any;
}

void add_user_data_leaves(ChunkDocument& document, ElementRef node, TransportEvent& out, int depth = 0) {
  constexpr int kMaxDepth = 16;  // as the XML mapping: real payloads are 2-3 deep
  if (depth > kMaxDepth) return;
  document.for_each_child(node, [&](ElementRef child) {
    if (has_element_children(document, child)) {
      add_user_data_leaves(document, child, out, depth + 1);
    } else {
      std::string key(local_name(child.element().name));
      if (out.fields.find(key) == out.fields.end()) out.fields.emplace(std::move(key), document.text(child));
    }
    return true;
  });
}

}  // namespace

Mapped map_event(ChunkDocument& document, const std::vector<ElementRef>& roots, const EventSelection* selection,
                 TransportEvent& out) {
  if (roots.empty()) throw FormatError("no <Event> element");
  const ElementRef event = roots.front();
  if (local_name(event.element().name) != "Event")
    throw FormatError("not an <Event> element (the root is <" + event.element().name + ">)");
  const ElementRef system = document.first_child(event, "System");
  if (!system) throw FormatError("no <System>");

  // Provider and event id first: with a selection that is all an unwanted record costs.
  const ElementRef provider = document.first_child(system, "Provider");
  if (!provider || !document.attribute(provider, "Name", out.provider)) out.provider.clear();
  if (out.provider.empty() && provider && !document.attribute(provider, "EventSourceName", out.provider))
    out.provider.clear();
  if (out.provider.empty())
    throw FormatError(provider ? "<Provider> has neither Name nor EventSourceName" : "no <Provider>");
  const ElementRef event_id = document.first_child(system, "EventID");
  if (!event_id) throw FormatError("no <EventID>");
  std::string text;
  const auto id = number_of<uint32_t>(document, event_id, text);
  if (!id) throw FormatError("EventID '" + text + "' is not a number");
  out.event_id = *id;
  if (selection && !selection->matches(out.provider, out.event_id)) return Mapped::NotSelected;

  if (const ElementRef level = document.first_child(system, "Level")) out.level = number_of<int>(document, level, text).value_or(0);
  if (const ElementRef channel = document.first_child(system, "Channel")) out.channel = document.text(channel);
  if (const ElementRef computer = document.first_child(system, "Computer")) out.computer = document.text(computer);
  if (const ElementRef record = document.first_child(system, "EventRecordID")) {
    const auto number = number_of<uint64_t>(document, record, text);
    if (!number) throw FormatError("EventRecordID '" + text + "' is not a number");
    out.record_id = *number;
  }
  bool present = false;
  const auto time = system_time(document, document.first_child(system, "TimeCreated"), text, present);
  if (!present) throw FormatError("no <TimeCreated SystemTime>");
  if (!time) throw FormatError("SystemTime '" + text + "' is not an ISO 8601 time");
  out.time = *time;

  if (const ElementRef event_data = document.first_child(event, "EventData")) add_event_data(document, event_data, out);
  if (const ElementRef user_data = document.first_child(event, "UserData")) add_user_data_leaves(document, user_data, out);
  // Derived fields last, so they win over a payload field of the same name (as the XML mapping).
  if (document.attribute(event_id, "Qualifiers", text)) out.fields["Qualifiers"] = text;
  if (const ElementRef rendering = document.first_child(event, "RenderingInfo")) {
    if (const ElementRef message = document.first_child(rendering, "Message")) {
      out.text = document.text(message);
      out.fields["Message"] = out.text;
    }
  }
  out.key = event_key(out);
  return Mapped::Event;
}

}  // namespace authwatch::sources::evtx
