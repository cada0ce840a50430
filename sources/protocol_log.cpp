#include "sources/protocol_log.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#if defined(__SSE2__)  // every x86-64 compiler (GCC, MinGW-w64)
#include <emmintrin.h>
#endif

#include "core/text.hpp"
#include "core/utf8.hpp"
#include "core/time.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "sources/text_encoding.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {

namespace {

// The splitter behind split_csv_line: writes each column into the string `next_column()` hands
// out (empty). False when a quoted field is not closed on this line.
template <class NextColumn>
bool split_csv(std::string_view line, NextColumn&& next_column) {
  size_t pos = 0;
  while (true) {
    std::string& column = next_column();
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      bool closed = false;
      while (!closed) {
        size_t quote = line.find('"', pos);
        if (quote == std::string_view::npos) return false;
        column.append(line.substr(pos, quote - pos));
        if (quote + 1 < line.size() && line[quote + 1] == '"') {
          column.push_back('"');
          pos = quote + 2;
        } else {
          pos = quote + 1;
          closed = true;
        }
      }
      // Text between a closing quote and the next comma is not RFC 4180, but kept, not lost.
    }
    size_t comma = line.find(',', pos);
    if (comma == std::string_view::npos) {
      column.append(line.substr(pos));
      return true;
    }
    column.append(line.substr(pos, comma - pos));
    pos = comma + 1;
  }
}

}  // namespace

bool split_csv_line(std::string_view line, std::vector<std::string>& columns) {
  size_t count = 0;
  const bool complete = split_csv(line, [&]() -> std::string& {
    if (count == columns.size()) columns.emplace_back();
    std::string& column = columns[count++];
    column.clear();
    return column;
  });
  if (complete) columns.resize(count);
  return complete;
}

namespace {

constexpr size_t kBlockSize = 1 << 20;  // files roll over at 10 MB: read them in a few blocks
constexpr size_t kHeaderBlockSize = 4096;  // the '#' lines at the top (a longer line grows the block)
constexpr std::string_view kFieldsDirective = "#Fields:";
constexpr std::string_view kLogTypeDirective = "#Log-type:";
constexpr std::string_view kTimeColumn = "date-time";

// Hands out the complete ('\n'-terminated) lines of a stream read in large blocks. What follows
// the last '\n' is a line still being written: it is left for a later read. A line longer than
// max_line bytes is not held: it is skipped to its '\n' and handed out empty with its length in
// `too_long`, so the buffer never grows past the limit.
class LineReader {
 public:
  // `block`: the first buffer and how much is read at a time. A longer line grows the buffer, up to
  // what a line of max_line bytes needs; a longer one is skipped, never held.
  LineReader(std::istream& in, uint64_t start_offset, size_t block, uint64_t max_line)
      : in_(in),
        buffer_(std::make_unique_for_overwrite<char[]>(std::max<size_t>(block, 2))),
        capacity_(std::max<size_t>(block, 2)),
        base_(start_offset),
        max_line_(max_line) {}

  // The next line without its CR/LF (valid until the next call) and the file offset of its start.
  bool next(std::string_view& line, uint64_t& line_offset, uint64_t& too_long) {
    while (true) {
      const char* start = buffer_.get() + begin_;
      if (const void* found = std::memchr(start, '\n', end_ - begin_)) {
        size_t length = static_cast<size_t>(static_cast<const char*>(found) - start);
        too_long = skipped_ + length > max_line_ ? skipped_ + length : 0;
        line_offset = skipping_ ? skip_start_ : base_ + begin_;
        skipping_ = false;
        skipped_ = 0;
        if (too_long) {
          line = {};
          begin_ += length + 1;
          return true;
        }
        line = {start, length};
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        begin_ += length + 1;
        return true;
      }
      if (end_ - begin_ > max_line_) {  // no '\n' within the limit: let go of it, look for the end
        if (!skipping_) skip_start_ = base_ + begin_;
        skipping_ = true;
        skipped_ += end_ - begin_;
        begin_ = end_;
      }
      if (!fill()) return false;
    }
  }

  // The end of the bytes held: the last line handed out may be read (not used) up to here, which
  // lets the column split load whole 16-byte blocks across its end.
  const char* held_end() const { return buffer_.get() + end_; }

  // Offset just after the last complete line handed out.
  uint64_t consumed() const { return skipping_ ? skip_start_ : base_ + begin_; }
  // Bytes after consumed() up to the end of the file: an unterminated last line.
  uint64_t pending() const { return base_ + end_ - consumed(); }

 private:
  bool fill() {
    if (begin_ > 0) {  // keep the unfinished line at the front, read the next block after it
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      base_ += begin_;
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == capacity_) {  // a line longer than the buffer but within the limit (else it is being skipped)
      const size_t larger = static_cast<size_t>(std::min<uint64_t>(uint64_t{capacity_} * 2, std::max<uint64_t>(max_line_ + 2, capacity_ + 1)));
      auto grown = std::make_unique_for_overwrite<char[]>(larger);
      std::memcpy(grown.get(), buffer_.get(), end_);
      buffer_ = std::move(grown);
      capacity_ = larger;
    }
    in_.read(buffer_.get() + end_, static_cast<std::streamsize>(capacity_ - end_));
    auto got = in_.gcount();
    if (got <= 0) return false;
    end_ += static_cast<size_t>(got);
    return true;
  }

  std::istream& in_;
  std::unique_ptr<char[]> buffer_;  // not zeroed: only [begin_, end_) is ever read
  size_t capacity_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t base_;
  uint64_t max_line_;
  bool skipping_ = false;    // inside a line longer than max_line_
  uint64_t skip_start_ = 0;  // its offset
  uint64_t skipped_ = 0;     // its bytes let go of so far
};

// What the '#' lines in force say about the records that follow.
struct LogHeader {
  std::vector<std::string> fields;
  std::string log_type;
  size_t time_column = std::string::npos;

  bool operator==(const LogHeader&) const = default;

  // Applies one '#' line; other directives (#Software, #Version, #Date) do not matter here.
  // Names and the log type are kept as UTF-8: they become field names, and a header that changed
  // mid-file is stored in the position's bookmark, which is JSON.
  void apply(std::string_view line) {
    if (istarts_with(line, kFieldsDirective)) {
      std::string_view names = trim(line.substr(kFieldsDirective.size()));
      fields.clear();
      time_column = std::string::npos;
      if (names.empty() || !split_csv_line(names, fields)) {
        fields.clear();
        return;
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        fields[i] = to_valid_utf8(trim(fields[i]));
        if (iequals(fields[i], kTimeColumn) && time_column == std::string::npos) time_column = i;
      }
    } else if (istarts_with(line, kLogTypeDirective)) {
      log_type = to_valid_utf8(trim(line.substr(kLogTypeDirective.size())));
    }
  }

  static LogHeader from_lines(std::string_view lines) {
    LogHeader header;
    while (!lines.empty()) {
      size_t end = lines.find('\n');
      header.apply(lines.substr(0, end));
      lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
    }
    return header;
  }

  // The header as '#' lines, for SourcePosition::bookmark: from_lines reads back the same names.
  // A name with a comma or a quote is written quoted (RFC 4180), as the header must have had it,
  // and so is an empty one (a lone empty name would otherwise read back as no names at all).
  std::string to_lines() const {
    std::string names;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) names += ',';
      const std::string& name = fields[i];
      if (!name.empty() && name.find_first_of(",\"") == std::string::npos) {
        names += name;
        continue;
      }
      names += '"';
      for (char c : name) names += c == '"' ? std::string("\"\"") : std::string(1, c);
      names += '"';
    }
    return std::string(kLogTypeDirective) + " " + log_type + "\n" + std::string(kFieldsDirective) + " " + names;
  }
};

// A short printable excerpt of untrusted bytes for an error message.
std::string excerpt(std::string_view bytes) {
  constexpr size_t kMax = 40;
  std::string out;
  for (char c : bytes.substr(0, kMax)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7F ? '?' : c);
  }
  if (bytes.size() > kMax) out += "...";
  return out;
}

std::string_view strip_bom_at_start(std::string_view line, uint64_t offset) {
  if (offset == 0 && has_utf8_bom(line)) line.remove_prefix(kUtf8Bom.size());
  return line;
}

// The header lines at the top of the file (`in` from its start): what is in force for the first
// records. `created` receives the top "#Date:" value: when Exchange created the file.
LogHeader read_top_header(std::istream& in, size_t block, std::string& created) {
  LogHeader header;
  if (!in) return header;
  LineReader lines(in, 0, std::min(block, kHeaderBlockSize), kDefaultMaxLineBytes);
  std::string_view line;
  uint64_t offset = 0;
  uint64_t too_long = 0;  // a header line is short: a longer line ends the header
  while (lines.next(line, offset, too_long) && !too_long) {
    line = strip_bom_at_start(line, offset);
    if (!line.starts_with('#')) break;
    if (istarts_with(line, "#Date:")) created = std::string(trim(line.substr(6)));
    header.apply(line);
  }
  return header;
}

// Natural key prefix of a file's lines. File names repeat across servers (every server has a
// RECV2024031510-1.LOG), so the name is qualified by the header's creation time, which a copy of
// the same file keeps.
std::string key_prefix(const std::string& path, const std::string& created) {
  return "plog:" + to_lower(to_valid_utf8(std::filesystem::path(path).filename().string())) + ":" +
         hex64(fnv1a64(created)).substr(0, 8) + ":";
}

// Where the columns the detector reads (ProtocolLogLine) are in a line of this #Fields header: the
// first column of a repeated name, as in the event's map; npos when the header has none.
struct NamedColumns {
  static constexpr size_t kNone = std::string::npos;
  size_t connector_id = kNone, session_id = kNone, local_endpoint = kNone, remote_endpoint = kNone, event = kNone,
         data = kNone, context = kNone, log_type = kNone;

  explicit NamedColumns(const std::vector<std::string>& fields) {
    const std::pair<std::string_view, size_t*> names[] = {
        {"connector-id", &connector_id}, {"session-id", &session_id}, {"local-endpoint", &local_endpoint},
        {"remote-endpoint", &remote_endpoint}, {"event", &event}, {"data", &data}, {"context", &context},
        {"log-type", &log_type}};
    for (size_t i = fields.size(); i-- > 0;)  // backwards: the first of a repeated name is set last
      for (const auto& [name, column] : names)
        if (fields[i] == name) *column = i;
  }
};

// One read: turns lines into ProtocolLogLines (or events) and errors, keeps the header and line
// count. A line's columns are views into the reader's buffer; its event is built only when asked for.
class LogLineHandler {
 public:
  LogLineHandler(const std::string& path, std::string key_prefix, LogHeader header, uint64_t lines_before,
                 const ErrorHandler& on_error, ReadSummary& summary)
      : path_(path),
        key_prefix_(std::move(key_prefix)),
        header_(std::move(header)),
        named_(header_.fields),
        line_number_(lines_before),
        on_error_(on_error),
        summary_(summary),
        line_(*this) {}

  // Every record goes to on_line (its event built on demand), or, when set, as an event to on_event.
  void deliver_lines(const LineHandler& on_line) { on_line_ = &on_line; }
  void deliver_events(const EventHandler& on_event) { on_event_ = &on_event; }

  // `held_end`: where the memory that holds `line` ends (at or after the line's end; null: the line's end).
  void handle(std::string_view line, uint64_t offset, const char* held_end = nullptr) {
    ++line_number_;
    line = strip_bom_at_start(line, offset);
    if (line.starts_with('#')) {
      header_.apply(line);  // a service restart writes a new header mid-file
      named_ = NamedColumns(header_.fields);
      field_slots_.clear();
      return;
    }
    if (line.empty()) return;
    ++summary_.records_read;
    if (auto problem = handle_record(line, offset, held_end ? static_cast<size_t>(held_end - line.data()) : line.size())) {
      ++summary_.bad_records;
      on_error_(ReadError{path_, locator(), *std::move(problem)});
    }
  }

  void too_long(uint64_t length, uint64_t max_line) {
    ++line_number_;
    ++summary_.records_read;
    ++summary_.bad_records;
    on_error_(ReadError{path_, locator(), "line of " + std::to_string(length) + " bytes, longer than the limit of " +
                                              std::to_string(max_line) + " (limits.line_bytes): skipped"});
  }

  const LogHeader& header() const { return header_; }
  uint64_t line_number() const { return line_number_; }

 private:
  // The line handed to on_line: the columns as views, the event from the handler when asked for.
  class Line final : public ProtocolLogLine {
   public:
    explicit Line(LogLineHandler& handler) : handler_(handler) {}
    const TransportEvent& transport_event() const override { return handler_.event(); }

   private:
    LogLineHandler& handler_;
  };

  std::string locator() const { return "line " + std::to_string(line_number_); }

  static constexpr size_t kLogTypeSlot = static_cast<size_t>(-1);
  struct FieldSlot {
    std::string name;
    size_t column;                // or kLogTypeSlot
    std::string* value = nullptr;  // its value in event_.fields, once built
  };

  static void append_number(std::string& out, uint64_t n) {
    char digits[20];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
  }

  // split_csv's columns of `line` as views: into the line, or into unquoted_ for a quoted column
  // that had to be rewritten (a doubled quote, text after the closing quote). The number of
  // columns, or nullopt for an unterminated quote.
  // `readable` bytes from line.data() may be loaded (at least line.size()).
  std::optional<size_t> split_into_views(std::string_view line, size_t readable) {
    if (auto count = split_unquoted(line, readable)) return count;
    const size_t n = line.size();
    size_t count = 0;
    size_t pos = 0;
    while (true) {
      std::string_view& column = next_column(count);
      if (pos < n && line[pos] == '"') {
        const size_t open = pos + 1;
        size_t quote = line.find('"', open);
        if (quote == std::string_view::npos) return std::nullopt;
        if (quote + 1 == n || line[quote + 1] == ',') {  // "...": the text between the quotes as it is
          column = line.substr(open, quote - open);
          if (quote + 1 == n) return count;
          pos = quote + 2;
          continue;
        }
        std::string& out = unquoted_[count - 1];
        out.clear();
        pos = open;
        while (true) {
          quote = line.find('"', pos);
          if (quote == std::string_view::npos) return std::nullopt;
          out.append(line.substr(pos, quote - pos));
          if (quote + 1 < n && line[quote + 1] == '"') {
            out.push_back('"');
            pos = quote + 2;
          } else {
            pos = quote + 1;
            break;
          }
        }
        // Text between a closing quote and the next comma is not RFC 4180, but kept, not lost.
        const size_t comma = line.find(',', pos);
        out.append(line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        column = out;
        if (comma == std::string_view::npos) return count;
        pos = comma + 1;
        continue;
      }
      const void* comma = pos < n ? std::memchr(line.data() + pos, ',', n - pos) : nullptr;
      if (!comma) {
        column = line.substr(std::min(pos, n));
        return count;
      }
      const size_t at = static_cast<size_t>(static_cast<const char*>(comma) - line.data());
      column = line.substr(pos, at - pos);
      pos = at + 1;
    }
  }

  // The storage of column `count`, which becomes the next one.
  std::string_view& next_column(size_t& count) {
    if (count == columns_.size()) [[unlikely]]
      add_column();
    return columns_[count++];
  }
  // Out of line, so that next_column, which runs for every column of every line, is inlined.
  [[gnu::noinline]] void add_column() {
    columns_.emplace_back();
    unquoted_.emplace_back();  // a deque: the strings earlier columns view stay where they are
  }

  // A line without any quote (most of them) has its columns between its commas: found 16 bytes at
  // a time, the last block reaching past the line's end into the `readable` bytes that follow it
  // (the next line, already in the buffer) with what lies beyond the line masked off, so a line
  // costs no byte-by-byte tail unless it ends the buffer. nullopt when the line holds a quote:
  // split_into_views reads it by the rules.
  std::optional<size_t> split_unquoted(std::string_view line, size_t readable) {
    const char* const bytes = line.data();
    const size_t n = line.size();
    size_t count = 0;
    size_t start = 0;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i quote = _mm_set1_epi8('"');
    // `in_line`: the bits of the block's bytes that are the line's (all but in the last block).
    auto split_block = [&](size_t at_block, unsigned in_line) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + at_block));
      if ((static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, quote))) & in_line) != 0) return false;
      for (auto commas = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, comma))) & in_line; commas != 0; commas &= commas - 1) {
        const size_t at = at_block + static_cast<size_t>(__builtin_ctz(commas));
        next_column(count) = line.substr(start, at - start);
        start = at + 1;
      }
      return true;
    };
    for (; i + 16 <= n; i += 16)
      if (!split_block(i, 0xFFFFu)) return std::nullopt;
    if (i < n && i + 16 <= readable) {  // the rest of the line and what follows it, masked off
      if (!split_block(i, (1u << (n - i)) - 1)) return std::nullopt;
      i = n;
    }
#endif
    for (; i < n; ++i) {
      if (bytes[i] == '"') return std::nullopt;
      if (bytes[i] == ',') {
        next_column(count) = line.substr(start, i - start);
        start = i + 1;
      }
    }
    next_column(count) = line.substr(start);
    return count;
  }

  // The date-time column. Lines of one second share their first 19 bytes ("2024-03-15T10:00:01"):
  // the last such second is kept, and a line of the same second in Exchange's form costs its
  // milliseconds only. The same result as parse_iso8601, which reads every other line.
  static bool digit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }
  static bool exchange_form(std::string_view t) {
    if (t.size() != 24 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != '.' || t[23] != 'Z')
      return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22})
      if (static_cast<unsigned char>(t[i] - '0') > 9) return false;
    return true;
  }
  static std::chrono::milliseconds milliseconds_of(std::string_view t) {
    return std::chrono::milliseconds{(t[20] - '0') * 100 + (t[21] - '0') * 10 + (t[22] - '0')};
  }
  // False when `text` is not a time.
  bool parse_time(std::string_view text, TimePoint& out) {
    // The first 19 bytes equal ones exchange_form accepted: the rest of its checks is the tail's.
    if (second_known_ && text.size() == 24 && std::memcmp(text.data(), second_text_, 19) == 0 && text[19] == '.' &&
        text[23] == 'Z' && digit(text[20]) && digit(text[21]) && digit(text[22])) {
      out = second_ + milliseconds_of(text);
      return true;
    }
    auto time = parse_iso8601(text);
    if (!time) return false;
    if (exchange_form(text)) {
      std::memcpy(second_text_, text.data(), 19);
      second_ = *time - milliseconds_of(text);
      second_known_ = true;
    }
    out = *time;
    return true;
  }

  std::string_view column(size_t index) const { return index < column_count_ ? columns_[index] : std::string_view{}; }

  // Where each entry of TransportEvent::fields comes from, in the map's (sorted) order: the
  // #Fields names, the first column of a repeated name winning, and "log-type" unless a column
  // has that name — exactly what emplacing the columns and then "log-type" gives.
  void plan_field_slots() {
    for (size_t i = 0; i < header_.fields.size(); ++i) field_slots_.push_back({header_.fields[i], i});
    field_slots_.push_back({"log-type", kLogTypeSlot});
    std::stable_sort(field_slots_.begin(), field_slots_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    auto duplicates = std::unique(field_slots_.begin(), field_slots_.end(), [](const auto& a, const auto& b) { return a.name == b.name; });
    field_slots_.erase(duplicates, field_slots_.end());
  }

  // Makes event_.fields hold exactly the header's names and points column_values_ at their
  // values. The map is rebuilt only when it is not the one built last (same nodes, same names):
  // on the first event, after a new header, or after a handler took or changed the map.
  void prepare_fields() {
    if (field_slots_.empty()) plan_field_slots();  // a new header
    auto& fields = event_.fields;
    const bool ours = fields.size() == field_slots_.size() &&
                      std::equal(fields.begin(), fields.end(), field_slots_.begin(), [](const auto& entry, const FieldSlot& slot) {
                        return &entry.second == slot.value && entry.first == slot.name;
                      });
    if (ours) return;
    fields.clear();
    column_values_.assign(header_.fields.size(), nullptr);  // a column no entry takes (a repeated name) is not kept
    log_type_value_ = nullptr;
    for (auto& slot : field_slots_) {
      slot.value = &fields.emplace_hint(fields.end(), slot.name, std::string{})->second;
      (slot.column == kLogTypeSlot ? log_type_value_ : column_values_[slot.column]) = slot.value;
    }
  }

  // The current line as an event, built from its columns the first time it is asked for. One
  // event object is refilled for every line (its fields already are): its strings and its map
  // nodes keep their storage, so a line costs copies, not allocations.
  TransportEvent& event() {
    if (event_built_) return event_;
    prepare_fields();
    for (size_t i = 0; i < column_values_.size(); ++i)
      if (column_values_[i]) column_values_[i]->assign(column(i));  // missing trailing columns: ""
    if (log_type_value_) log_type_value_->assign(header_.log_type);
    event_.source_kind = SourceKind::ProtocolLog;
    event_.location.assign(location_);
    event_.locator.assign("line ");
    append_number(event_.locator, line_number_);
    event_.key.assign(key_prefix_);
    append_number(event_.key, line_offset_);
    event_.time = line_.time;
    event_.provider.clear();
    event_.event_id = 0;
    event_.level = 0;
    event_.channel.clear();
    event_.computer.clear();
    event_.record_id = 0;
    event_.text.assign(line_.text);
    event_built_ = true;
    return event_;
  }

  // nullopt when the record was handed out, else why it could not be.
  std::optional<std::string> handle_record(std::string_view line, uint64_t offset, size_t readable) {
    if (header_.fields.empty()) return "data line before any #Fields header";
    const auto columns = split_into_views(line, readable);
    if (!columns) return "unterminated quoted field";
    column_count_ = *columns;
    // Fewer columns is tolerated (a missing trailing "context"); more cannot be named.
    if (*columns > header_.fields.size())
      return std::to_string(*columns) + " columns, but #Fields names " + std::to_string(header_.fields.size());
    if (header_.time_column == std::string::npos) return "#Fields has no date-time column";
    const std::string_view time_text = column(header_.time_column);
    TimePoint time;
    if (!parse_time(time_text, time)) return "date-time \"" + excerpt(time_text) + "\" is not an ISO 8601 time";

    line_.text = line;
    line_.time = time;
    line_.log_type = named_.log_type != NamedColumns::kNone ? column(named_.log_type) : std::string_view{header_.log_type};
    line_.connector_id = column(named_.connector_id);
    line_.session_id = column(named_.session_id);
    line_.local_endpoint = column(named_.local_endpoint);
    line_.remote_endpoint = column(named_.remote_endpoint);
    line_.event = column(named_.event);
    line_.data = column(named_.data);
    line_.context = column(named_.context);
    line_offset_ = offset;
    event_built_ = false;
    if (on_event_)
      (*on_event_)(std::move(event()));
    else if (on_line_)
      (*on_line_)(line_);
    return std::nullopt;
  }

  const std::string& path_;
  const std::string location_ = to_valid_utf8(path_);  // a file name is outside text too
  const std::string key_prefix_;
  LogHeader header_;
  NamedColumns named_;
  uint64_t line_number_;
  const LineHandler* on_line_ = nullptr;
  const EventHandler* on_event_ = nullptr;
  const ErrorHandler& on_error_;
  ReadSummary& summary_;
  // The current line: its columns (views; column_count_ of them), its offset, the line handed out.
  std::vector<std::string_view> columns_;
  std::deque<std::string> unquoted_;  // per column: a quoted column's text when it had to be rewritten
  size_t column_count_ = 0;
  uint64_t line_offset_ = 0;
  Line line_;
  // The second of the last date-time read in Exchange's form (parse_time).
  char second_text_[19] = {};
  TimePoint second_{};
  bool second_known_ = false;
  // The current line's event, once built.
  bool event_built_ = false;
  TransportEvent event_;                     // reused across lines
  std::vector<FieldSlot> field_slots_;       // for header_; empty until planned
  std::vector<std::string*> column_values_;  // per #Fields column: its value in event_.fields (null: a repeated name)
  std::string* log_type_value_ = nullptr;    // event_.fields["log-type"] unless a column has the name
};

// One read: `in` is the log (at the start, or at from.offset when summary.resumed), `top_lines`
// the same content from its start, for the header in force at the top; both are read `block`
// bytes at a time; a line over max_line bytes is a bad record, skipped. `deliver` tells the
// handler where records go (lines or events). Fills `summary` but its identity and `resumed`,
// which the caller decided.
template <class Deliver>
void read_log(std::istream& in, std::istream& top_lines, size_t block, uint64_t max_line, const std::string& path,
              const SourcePosition& from, const ErrorHandler& on_error, ReadSummary& summary, Deliver&& deliver) {
  std::string created;
  const LogHeader top = read_top_header(top_lines, block, created);
  LogHeader header = top;
  uint64_t start = 0;
  uint64_t lines_before = 0;
  if (summary.resumed) {
    start = from.offset;
    lines_before = from.record;
    if (!from.bookmark.empty()) header = LogHeader::from_lines(from.bookmark);
    in.seekg(static_cast<std::streamoff>(start));
  }

  LogLineHandler handler(path, key_prefix(path, created), std::move(header), lines_before, on_error, summary);
  deliver(handler);
  LineReader lines(in, start, block, max_line);
  std::string_view line;
  uint64_t offset = 0;
  uint64_t too_long = 0;
  while (lines.next(line, offset, too_long)) too_long ? handler.too_long(too_long, max_line) : handler.handle(line, offset, lines.held_end());

  summary.position.offset = lines.consumed();
  summary.pending_bytes = lines.pending();
  summary.position.record = handler.line_number();
  if (!(handler.header() == top)) summary.position.bookmark = handler.header().to_lines();
}

class ProtocolLogFile final : public FileSource {
 public:
  ProtocolLogFile(std::string path, uint64_t max_line) : path_(std::move(path)), max_line_(max_line) {}

  FileFormat format() const override { return FileFormat::ProtocolLog; }
  const std::string& path() const override { return path_; }

  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event, const ErrorHandler& on_error) override {
    return read_with(from, on_error, [&](LogLineHandler& handler) { handler.deliver_events(on_event); });
  }
  Result<ReadSummary> read_lines(const SourcePosition& from, const LineHandler& on_line, const ErrorHandler& on_error) override {
    return read_with(from, on_error, [&](LogLineHandler& handler) { handler.deliver_lines(on_line); });
  }

 private:
  // Position: identity = file fingerprint; offset = after the last complete line; record = the
  // number of lines up to there (so locators keep counting on resume); bookmark = the header in
  // force at offset when a mid-file header changed it, else "" (the top header is re-read).
  template <class Deliver>
  Result<ReadSummary> read_with(const SourcePosition& from, const ErrorHandler& on_error, Deliver&& deliver) {
    SharedInputFile in(path_);
    if (!in) return Error{"cannot open protocol log " + path_};
    ReadSummary summary;
    summary.position.identity = file_fingerprint(path_);

    std::error_code ec;
    uint64_t size = std::filesystem::file_size(path_, ec);
    summary.resumed = !from.identity.empty() && !ec && from.offset <= size && fingerprint_matches(path_, from.identity);

    SharedInputFile top_lines(path_);
    read_log(in, top_lines, kBlockSize, max_line_, path_, from, on_error, summary, deliver);
    return summary;
  }

  std::string path_;
  uint64_t max_line_;
};

}  // namespace

ReadSummary read_protocol_log_text(std::string_view text, const std::string& location, const SourcePosition& from,
                                   const EventHandler& on_event, const ErrorHandler& on_error, uint64_t max_line_bytes) {
  std::istringstream in{std::string(text)}, top_lines{std::string(text)};
  ReadSummary summary;
  summary.resumed = from.offset > 0 && from.offset <= text.size();
  // The text is in memory already: a block of its size (not the 1 MiB a file is read in) does the
  // same in one read.
  read_log(in, top_lines, std::min(kBlockSize, text.size() + 1), max_line_bytes, location, from, on_error, summary,
           [&](LogLineHandler& handler) { handler.deliver_events(on_event); });
  return summary;
}

std::unique_ptr<FileSource> make_protocol_log_file(const std::string& path, uint64_t max_line_bytes) {
  return std::make_unique<ProtocolLogFile>(path, max_line_bytes);
}

}  // namespace authwatch::sources
