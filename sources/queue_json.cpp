#include "sources/queue_json.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/json_input.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"
#include "sources/readers.hpp"
#include "sources/text_encoding.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {

std::string queue_property_text(const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  auto compact = [&] { return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  switch (value.type()) {
    case Type::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (text.starts_with("/Date(") && text.ends_with(")/")) {
        if (auto time = parse_ms_json_date(text)) return format_iso8601(*time);
      }
      return text;
    }
    case Type::boolean: return value.get<bool>() ? "True" : "False";
    case Type::number_integer: return std::to_string(value.get<int64_t>());
    case Type::number_unsigned: return std::to_string(value.get<uint64_t>());
    case Type::number_float: return compact();
    case Type::null: return {};
    case Type::object: {
      auto member = value.find("Value");
      if (member != value.end() && member->is_string()) return member->get<std::string>();
      return compact();
    }
    case Type::array:
    case Type::binary:
    case Type::discarded: break;
  }
  return compact();
}

std::string queue_event_key(std::string_view identity, TimePoint time, std::string_view last_error) {
  return "queue:" + std::string(identity) + "|" + format_iso8601(time) + "|" + hex64(fnv1a64(last_error));
}

namespace {

enum class Encoding { Utf8, Utf16le };

// The file's bytes and how to read them. Offsets in positions are byte offsets into `bytes`.
struct RawFile {
  std::string bytes;
  Encoding encoding = Encoding::Utf8;
  size_t body_start = 0;  // after the BOM
};

RawFile raw_file_of(std::string bytes) {
  RawFile raw;
  raw.bytes = std::move(bytes);
  if (has_utf16le_bom(raw.bytes)) {
    raw.encoding = Encoding::Utf16le;
    raw.body_start = kUtf16leBom.size();
  } else if (has_utf8_bom(raw.bytes)) {
    raw.body_start = kUtf8Bom.size();
  }
  return raw;
}

std::optional<RawFile> read_raw_file(const std::string& path) {
  SharedInputFile in(path);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return raw_file_of(std::move(content).str());
}

// --- positions -----------------------------------------------------------------------------

// A whole document is re-read only when its content changes.
std::string content_identity(std::string_view bytes) {
  return "sha:" + hex64(fnv1a64(bytes)) + ":" + std::to_string(bytes.size());
}

// JSON lines grow by appending: the identity hashes the first bytes that were already read (at
// most 1 KiB), so the file keeps it while it grows and loses it when rewritten.
constexpr std::string_view kLinesIdentityTag = "jsonl:";
constexpr size_t kLinesIdentityPrefix = 1024;

std::string lines_identity(std::string_view bytes, uint64_t consumed) {
  auto prefix = bytes.substr(0, static_cast<size_t>(std::min<uint64_t>(consumed, kLinesIdentityPrefix)));
  return std::string(kLinesIdentityTag) + std::to_string(prefix.size()) + ":" + hex64(fnv1a64(prefix));
}

bool lines_identity_matches(std::string_view bytes, std::string_view identity) {
  if (!identity.starts_with(kLinesIdentityTag)) return false;
  auto digits = identity.substr(kLinesIdentityTag.size());
  size_t length = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (ec != std::errc{} || length > bytes.size()) return false;
  return lines_identity(bytes, length) == identity;
}

// --- lines of the raw file ------------------------------------------------------------------

struct RawLine {
  std::string_view bytes;  // without the '\n'
  size_t next = 0;         // offset after the '\n' (or the end of the file)
  bool terminated = false;
};

RawLine raw_line_at(const RawFile& raw, size_t pos) {
  std::string_view all = raw.bytes;
  if (raw.encoding == Encoding::Utf8) {
    size_t newline = all.find('\n', pos);
    if (newline == std::string_view::npos) return {all.substr(pos), all.size(), false};
    return {all.substr(pos, newline - pos), newline + 1, true};
  }
  for (size_t i = pos; i + 1 < all.size(); i += 2) {
    if (all[i] == '\n' && all[i + 1] == '\0') return {all.substr(pos, i - pos), i + 2, true};
  }
  return {all.substr(pos), all.size(), false};
}

std::optional<std::string> decode_line(const RawFile& raw, std::string_view bytes) {
  std::optional<std::string> text = raw.encoding == Encoding::Utf16le ? utf16le_to_utf8(bytes) : std::string(bytes);
  if (text && !text->empty() && text->back() == '\r') text->pop_back();
  return text;
}

bool is_json_container(std::string_view text) {
  text = trim(text);
  return !text.empty() && (text.front() == '{' || text.front() == '[') && nlohmann::json::accept(text);
}

// --- parse errors ---------------------------------------------------------------------------

// nlohmann's message without its "[json.exception...] parse error at line 1, column 5: " prefix:
// the locator names the place in the file, which for JSON lines is not the parser's line 1. The
// message quotes the bytes last read, which may not be UTF-8: they are made so (the message is
// shown as JSON).
std::string parser_message(std::string_view message) {
  if (message.starts_with("[json.exception.")) {
    size_t bracket = message.find("] ");
    if (bracket != std::string_view::npos) message.remove_prefix(bracket + 2);
  }
  if (message.starts_with("parse error")) {
    size_t colon = message.find(": ");
    if (colon != std::string_view::npos) message.remove_prefix(colon + 2);
  }
  return to_valid_utf8(message);
}

// The byte (1-based) at which nlohmann's parser fails on `text`, for the failures whose exception
// does not say: out_of_range, a number beyond a double such as 1e400.
size_t failing_byte(std::string_view text) {
  struct Locator final : nlohmann::json_sax<nlohmann::json> {
    size_t byte = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) override {
      byte = position;
      return false;
    }
  } locator;
  nlohmann::json::sax_parse(text, &locator);
  return locator.byte;
}

// "line L, column C" of the parser's byte position (1-based: the last character it read).
std::string error_place(std::string_view text, size_t parser_byte, size_t first_line) {
  size_t at = std::min(parser_byte > 0 ? parser_byte - 1 : 0, text.size());
  size_t line = first_line;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  size_t column = 1;  // in characters: skip UTF-8 continuation bytes
  for (size_t i = line_start; i < at; ++i) column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// One JSON document of the file, or why it is not one: the place ("line L, column C", lines
// counted from `first_line`) and the reason. Every failure ends here, none escapes as an
// exception: bad syntax, a number beyond a double (nlohmann's out_of_range, not a parse_error),
// nesting deeper than kMaxJsonDepth.
struct JsonFailure {
  std::string place, reason;
};

std::variant<nlohmann::json, JsonFailure> parse_document(const std::string& text, size_t first_line) {
  try {
    return parse_untrusted_json(text);
  } catch (const nlohmann::json::parse_error& error) {
    return JsonFailure{error_place(text, error.byte, first_line), parser_message(error.what())};
  } catch (const nlohmann::json::exception& error) {
    return JsonFailure{error_place(text, failing_byte(text), first_line), parser_message(error.what())};
  } catch (const JsonTooDeep& error) {
    return JsonFailure{error_place(text, too_deep_byte(text), first_line), error.what()};
  }
}

// --- queues to events -----------------------------------------------------------------------

std::string_view property(const TransportEvent& event, std::string_view name) {
  if (auto it = event.fields.find(name); it != event.fields.end()) return it->second;
  for (const auto& [key, value] : event.fields) {  // PowerShell property names are case-insensitive
    if (iequals(key, name)) return value;
  }
  return {};
}

class QueueEmitter {
 public:
  QueueEmitter(const std::string& path, const LocalTimeRules& local_times, const EventHandler& on_event,
               const ErrorHandler& on_error, ReadSummary& summary)
      : path_(path), local_times_(local_times), on_event_(on_event), on_error_(on_error), summary_(summary) {}

  // One parsed document (or JSON line): an array of queues or one queue.
  void emit_document(const nlohmann::json& document, const std::string& locator_prefix) {
    if (!document.is_array()) {
      emit_queue(document, locator_prefix + "item 1");
      return;
    }
    size_t item = 0;
    for (const auto& element : document) emit_queue(element, locator_prefix + "item " + std::to_string(++item));
  }

  void bad_record(std::string locator, std::string reason) {
    ++summary_.records_read;
    ++summary_.bad_records;
    on_error_(ReadError{path_, std::move(locator), std::move(reason)});
  }

 private:
  void emit_queue(const nlohmann::json& element, std::string locator) {
    if (!element.is_object()) {
      bad_record(std::move(locator), std::string("not a queue object but a JSON ") + element.type_name());
      return;
    }
    TransportEvent event;
    for (const auto& [name, value] : element.items()) event.fields.emplace(name, queue_property_text(value));
    std::string_view identity = property(event, "Identity");
    if (identity.empty()) {
      bad_record(std::move(locator), "queue has no Identity");
      return;
    }
    event.text = std::string(property(event, "LastError"));
    // A queue that failed is dated by its own retry time (docs/domain.md §10); one whose time
    // cannot be read is reported, never dated with the file's time (an old snapshot would open an
    // incident dated today). A healthy queue (no LastError) needs no time: nothing is kept of it.
    auto time = observation_time(event);
    if (!time && !event.text.empty()) {
      bad_record(std::move(locator), "queue " + std::string(identity) + ": " + time.error());
      return;
    }
    ++summary_.records_read;
    event.source_kind = SourceKind::QueueSnapshot;
    event.location = to_valid_utf8(path_);
    event.locator = std::move(locator);
    if (time) {
      event.time = time.value().utc;
      event.time_basis = std::move(time).value().basis;
    }
    event.key = queue_event_key(identity, event.time, event.text);
    on_event_(std::move(event));
  }

  // The LRT= Exchange puts first in its LastError wrapper ("[{LRT=3/15/2024 10:14:03 AM};{LED=...").
  static std::string_view lrt_of(std::string_view last_error) {
    last_error = trim(last_error);
    if (!istarts_with(last_error, "[{LRT=")) return {};
    auto value = last_error.substr(6);
    return value.substr(0, value.find("};{"));
  }

  // When the queue was last seen failing: LastRetryTime, else the LRT= of its LastError, else
  // FirstRetryTime; the first one present must read, or the queue is reported. A culture date whose
  // day/month order the value leaves open takes it from the record's other retry times.
  Result<ReadTime> observation_time(const TransportEvent& event) const {
    const std::string_view last = property(event, "LastRetryTime");
    const std::string_view lrt = lrt_of(event.text);
    const std::pair<std::string_view, std::string_view> candidates[] = {
        {"LastRetryTime", last}, {"LRT in LastError", lrt}, {"FirstRetryTime", property(event, "FirstRetryTime")}};
    LocalTimeRules rules = local_times_;
    std::string order_note;
    if (rules.order == DateOrder::Auto) {
      if (auto order = date_order_of_sequence(
              {property(event, "FirstRetryTime"), trim(last).empty() ? lrt : last, property(event, "NextRetryTime")})) {
        rules.order = *order;
        order_note = "; day/month order " + std::string(to_string(*order)) + " from the queue's other retry times";
      }
    }
    std::string problems;
    for (const auto& [name, text] : candidates) {
      if (trim(text).empty()) continue;
      auto read = read_local_time(text, rules);
      if (read) {
        read.value().basis = std::string(name) + ", " + read.value().basis + order_note;
        return read;
      }
      problems += (problems.empty() ? "" : "; ") + std::string(name) + " " + read.error();
    }
    if (problems.empty()) return Error{"has a LastError but no LastRetryTime, LRT or FirstRetryTime to date it"};
    return Error{"its time cannot be read: " + problems};
  }

  const std::string& path_;
  const LocalTimeRules& local_times_;
  const EventHandler& on_event_;
  const ErrorHandler& on_error_;
  ReadSummary& summary_;
};

enum class Layout { WholeDocument, JsonLines };

// One parseable line followed by more lines (or a single compressed line ending in a newline)
// means appended snapshots; anything else is one document, pretty-printed or not.
Layout detect_layout(const RawFile& raw) {
  size_t non_blank_lines = 0;
  bool some_line_parses = false;
  bool last_line_terminated = false;
  for (size_t pos = raw.body_start; pos < raw.bytes.size();) {
    RawLine line = raw_line_at(raw, pos);
    auto text = decode_line(raw, line.bytes);
    if (text && !trim(*text).empty()) {
      ++non_blank_lines;
      last_line_terminated = line.terminated;
      some_line_parses = some_line_parses || is_json_container(*text);
    }
    pos = line.next;
  }
  auto whole = decode_to_utf8(raw.bytes);
  if (whole && nlohmann::json::accept(*whole)) {
    return non_blank_lines == 1 && last_line_terminated ? Layout::JsonLines : Layout::WholeDocument;
  }
  return non_blank_lines >= 2 && some_line_parses ? Layout::JsonLines : Layout::WholeDocument;
}

class QueueJsonFile final : public FileSource {
 public:
  QueueJsonFile(std::string path, LocalTimeRules local_times, uint64_t max_line)
      : path_(std::move(path)), local_times_(std::move(local_times)), max_line_(max_line) {}

  FileFormat format() const override { return FileFormat::QueueJson; }
  const std::string& path() const override { return path_; }

  // Position: a whole document has identity "sha:<hash>:<size>" and is not re-read while its
  // content is unchanged. JSON lines resume at `offset` (after the last complete line; `record`
  // counts the lines up to there) while the identity "jsonl:<length>:<hash>" of the file's first
  // bytes still matches.
  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event,
                           const ErrorHandler& on_error) override {
    auto raw = read_raw_file(path_);
    if (!raw) return Error{"cannot open queue snapshot " + path_};
    return read_raw(*raw, from, on_event, on_error);
  }

  // read() once the file's bytes are in hand (read_queue_json_bytes starts here).
  ReadSummary read_raw(const RawFile& raw, const SourcePosition& from, const EventHandler& on_event,
                       const ErrorHandler& on_error) const {
    ReadSummary summary;
    QueueEmitter emitter(path_, local_times_, on_event, on_error, summary);

    if (from.identity == content_identity(raw.bytes)) {
      summary.resumed = true;
      summary.position = from;
      return summary;
    }
    if (from.offset >= raw.body_start && from.offset <= raw.bytes.size() &&
        lines_identity_matches(raw.bytes, from.identity)) {
      summary.resumed = true;
      read_json_lines(raw, from.offset, from.record, emitter, summary);
      return summary;
    }
    if (detect_layout(raw) == Layout::JsonLines) {
      read_json_lines(raw, raw.body_start, 0, emitter, summary);
    } else {
      read_document(raw, emitter, summary);
    }
    return summary;
  }

 private:
  void read_document(const RawFile& raw, QueueEmitter& emitter, ReadSummary& summary) const {
    summary.position.identity = content_identity(raw.bytes);
    summary.position.offset = raw.bytes.size();
    auto text = decode_to_utf8(raw.bytes);
    if (!text) {
      emitter.bad_record("line 1", "not valid UTF-16LE text (odd length or unpaired surrogate)");
      return;
    }
    auto document = parse_document(*text, 1);
    if (auto* failure = std::get_if<JsonFailure>(&document)) {
      emitter.bad_record(failure->place, "invalid JSON, nothing in the file was read: " + failure->reason);
      return;
    }
    emitter.emit_document(std::get<nlohmann::json>(document), "");
  }

  void read_json_lines(const RawFile& raw, size_t start, uint64_t lines_before, QueueEmitter& emitter,
                  ReadSummary& summary) const {
    size_t consumed = start;
    uint64_t line_number = lines_before;
    for (size_t pos = start; pos < raw.bytes.size();) {
      RawLine line = raw_line_at(raw, pos);
      auto text = decode_line(raw, line.bytes);
      // An unterminated last line may still be being written: take it only once it parses.
      if (!line.terminated && !(text && is_json_container(*text))) {
        summary.pending_bytes = raw.bytes.size() - pos;
        break;
      }
      ++line_number;
      consumed = pos = line.next;
      std::string where = "line " + std::to_string(line_number);
      if (line.bytes.size() > max_line_) {
        emitter.bad_record(where, "line of " + std::to_string(line.bytes.size()) + " bytes, longer than the limit of " +
                                      std::to_string(max_line_) + " (limits.line_bytes): skipped");
        continue;
      }
      if (!text) {
        emitter.bad_record(where, "not valid UTF-16LE text");
        continue;
      }
      if (trim(*text).empty()) continue;
      auto document = parse_document(*text, line_number);
      if (auto* failure = std::get_if<JsonFailure>(&document)) {
        emitter.bad_record(failure->place, "invalid JSON: " + failure->reason);
        continue;
      }
      emitter.emit_document(std::get<nlohmann::json>(document), where + " ");
    }
    summary.position.identity = lines_identity(raw.bytes, consumed);
    summary.position.offset = consumed;
    summary.position.record = line_number;
  }

  std::string path_;
  LocalTimeRules local_times_;
  uint64_t max_line_;
};

}  // namespace

std::unique_ptr<FileSource> make_queue_json_file(const std::string& path, const LocalTimeRules& local_times, uint64_t max_line_bytes) {
  return std::make_unique<QueueJsonFile>(path, local_times, max_line_bytes);
}

ReadSummary read_queue_json_bytes(std::string bytes, const std::string& location, const LocalTimeRules& local_times,
                                  const SourcePosition& from, const EventHandler& on_event, const ErrorHandler& on_error) {
  return QueueJsonFile(location, local_times, kDefaultMaxLineBytes).read_raw(raw_file_of(std::move(bytes)), from, on_event, on_error);
}

}  // namespace authwatch::sources
