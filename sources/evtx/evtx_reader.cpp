#include "sources/evtx/evtx_reader.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "sources/evtx/event_mapping.hpp"

namespace authwatch::sources::evtx {
namespace {

constexpr char kFileSignature[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', '\0'};
constexpr char kChunkSignature[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', '\0'};
constexpr uint32_t kRecordSignature = 0x00002a2a;  // "**\0\0"
constexpr size_t kFileHeaderSize = 128;
constexpr size_t kChunkHeaderSize = 512;
constexpr size_t kRecordHeaderSize = 24;        // signature, size, number, written time
constexpr size_t kSmallestRecord = kRecordHeaderSize + 4;  // + the copy of the size
constexpr size_t kMaxRuns = 1 << 16;

std::string hex32(uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xF]);
  return out;
}

bool all_zero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

std::string printable(Bytes bytes) {
  std::string out;
  for (uint8_t b : bytes) {
    if (b >= 0x20 && b < 0x7f) out.push_back(static_cast<char>(b));
    else out += "\\x" + hex32(b).substr(8);
  }
  return out;
}

// The next place at or after `from` where a record starts whose size fits before `end` and is
// repeated at its end: where reading goes on after damage.
size_t next_record_start(Bytes chunk, size_t from, size_t end) {
  for (size_t p = from; p + kSmallestRecord <= end; ++p) {
    if (load_u32(&chunk[p]) != kRecordSignature) continue;
    const size_t size = load_u32(&chunk[p + 4]);
    if (size >= kSmallestRecord && size <= end - p && load_u32(&chunk[p + size - 4]) == size) return p;
  }
  return end;
}

}  // namespace

Reader::Reader(ReaderOptions options, EventSink on_event, ProblemSink on_problem)
    : options_(std::move(options)), on_event_(std::move(on_event)), on_problem_(std::move(on_problem)) {
  if (options_.selection && options_.selection->selects_everything()) options_.selection = nullptr;
}

Reader::~Reader() = default;

bool Reader::read_header(Bytes head, std::string& failure) {
  if (head.size() < sizeof kFileSignature || std::memcmp(head.data(), kFileSignature, sizeof kFileSignature) != 0) {
    failure = "not an .evtx file (no ElfFile signature)";
    return false;
  }
  if (head.size() < kFileHeaderSize) {
    failure = "cannot open as .evtx: the file header is cut short (" + std::to_string(head.size()) + " of its " +
              std::to_string(kFileHeaderSize) + " bytes)";
    return false;
  }
  header_chunks_ = load_u16(&head[42]);
  if (options_.resumed) return true;  // the header was looked at before
  const uint32_t stored = load_u32(&head[124]);
  const uint32_t computed = crc32(head.first(120));
  if (stored != computed)
    on_problem_({options_.location, "file header",
                 "checksum " + hex32(stored) + " does not match its bytes (" + hex32(computed) + "); read on"});
  const uint16_t minor = load_u16(&head[36]), major = load_u16(&head[38]);
  if (major != 3)
    on_problem_({options_.location, "file header",
                 "format version " + std::to_string(major) + "." + std::to_string(minor) + " (3.1 and 3.2 are known); read on"});
  return true;
}

void Reader::report_chunk(const std::string& reason) {
  flush_bad_records();
  if (chunk_index_ < options_.quiet_chunks) return;
  on_problem_({options_.location, "chunk " + std::to_string(chunk_index_) + " (byte " + std::to_string(file_offset_) + ")",
               reason});
}

void Reader::read_chunk(Bytes chunk) {
  struct Advance {  // on to the next slot, however this one ends
    Reader& r;
    ~Advance() {
      ++r.chunk_index_;
      r.file_offset_ += kChunkSize;
      ++r.stats_.chunks;
    }
  } advance{*this};

  if (chunk.size() < kChunkHeaderSize) {
    if (!all_zero(chunk))
      report_chunk("the file ends " + std::to_string(chunk.size()) + " bytes into this chunk, inside its header");
    return;
  }
  if (all_zero(chunk.first(kChunkHeaderSize))) {
    // A slot the log has not used yet, or a chunk whose start was wiped: its records, if any,
    // can still be read (names and templates are found by their offsets, not the header).
    const size_t first_record = next_record_start(chunk, kChunkHeaderSize, chunk.size());
    if (first_record == chunk.size()) return;
    report_chunk("its header is zeroed, yet records follow from chunk byte " + std::to_string(first_record) +
                 ": read as far as their templates are intact");
    first_number_ = 1;
    last_number_ = UINT64_MAX;
    document_.start_chunk(chunk);
    read_records(chunk, first_record, chunk.size());
    return;
  }
  if (std::memcmp(chunk.data(), kChunkSignature, sizeof kChunkSignature) != 0) {
    // Past the chunks the header counts, a dirty log may hold more chunks (read, as Event Viewer
    // and libevtx read them) or leftover bytes (not a loss).
    if (chunk_index_ < header_chunks_)
      report_chunk("not a chunk: it starts with \"" + printable(chunk.first(8)) + "\" instead of ElfChnk; its records are lost");
    return;
  }
  const uint32_t stored = load_u32(&chunk[124]);
  const uint32_t computed = crc32(chunk.subspan(128, kChunkHeaderSize - 128), crc32(chunk.first(120)));
  if (stored != computed)
    report_chunk("header checksum " + hex32(stored) + " does not match its bytes (" + hex32(computed) + "); read anyway");

  size_t end = load_u32(&chunk[48]);  // the free space: records end there
  if (end < kChunkHeaderSize || end > kChunkSize) {
    report_chunk("its free-space offset " + std::to_string(end) + " lies outside the chunk; records read up to its end");
    end = kChunkSize;
  } else if (end <= chunk.size()) {
    const uint32_t stored_data = load_u32(&chunk[52]);
    const uint32_t computed_data = crc32(chunk.subspan(kChunkHeaderSize, end - kChunkHeaderSize));
    if (stored_data != computed_data)
      report_chunk("records checksum " + hex32(stored_data) + " does not match their bytes (" + hex32(computed_data) +
                   "); read anyway");
  }
  if (chunk.size() < kChunkSize) {
    report_chunk("the file ends " + std::to_string(chunk.size()) + " bytes into this chunk: records after that are lost");
    end = std::min(end, chunk.size());
  }
  // The identifiers of its first and last record (what each record header carries; the
  // "record numbers" at bytes 8 and 16 count from the file's first chunk instead).
  first_number_ = load_u64(&chunk[24]);
  last_number_ = load_u64(&chunk[32]);
  document_.start_chunk(chunk);
  read_records(chunk, kChunkHeaderSize, end);
}

void Reader::read_records(Bytes chunk, size_t begin, size_t end) {
  auto where = [&](size_t p) { return "chunk byte " + std::to_string(p); };
  size_t pos = begin;
  // Where damage was found: the records after it were found by a search.
  std::optional<size_t> damaged_at = begin == kChunkHeaderSize ? std::nullopt : std::optional<size_t>(begin);
  while (pos + kSmallestRecord <= end) {
    const uint32_t signature = load_u32(&chunk[pos]);
    std::string damage;
    uint64_t number = 0;
    if (signature != kRecordSignature) {
      if (all_zero(chunk.subspan(pos, end - pos))) return;  // zeros after the last record
      damage = "no record starts here (\"" + printable(chunk.subspan(pos, 4)) + "\")";
    } else {
      const size_t size = load_u32(&chunk[pos + 4]);
      number = load_u64(&chunk[pos + 8]);
      if (size < kSmallestRecord || size > end - pos) {
        damage = "its size " + std::to_string(size) + " does not fit the chunk's records (they end at chunk byte " +
                 std::to_string(end) + ")";
      } else if (const uint32_t copy = load_u32(&chunk[pos + size - 4]); copy != size) {
        damage = "its size " + std::to_string(size) + " and the copy at its end (" + std::to_string(copy) + ") differ";
      } else {
        read_record(number, pos + kRecordHeaderSize, pos + size - 4, damaged_at);
        pos += size;
        continue;
      }
    }
    const size_t next = next_record_start(chunk, pos + 1, end);
    if (!damaged_at) damaged_at = pos;
    // A damaged record whose number is within the chunk's range is counted as that record (so
    // it is not reported again as missing); other damage is named by its place in the chunk.
    const bool numbered = number >= first_number_ && number <= last_number_ && number != 0;
    if (numbered) note_number(number);
    flush_bad_records();
    if (numbered ? number > options_.skip_through : chunk_index_ >= options_.quiet_chunks) {
      ++stats_.records;
      ++stats_.bad_records;
      const std::string chunk_name = "chunk " + std::to_string(chunk_index_) + " (byte " + std::to_string(file_offset_) + ")";
      on_problem_({options_.location, numbered ? "record " + std::to_string(number) : chunk_name,
                   (numbered ? chunk_name + ", " : std::string()) + where(pos) + ": " + damage + "; bytes " +
                       std::to_string(pos) + "-" + std::to_string(next - 1) +
                       (next < end ? " skipped, reading goes on at the next record" : " skipped (the rest of the records)")});
    }
    pos = next;
  }
}

void Reader::read_record(uint64_t number, size_t begin, size_t end, std::optional<size_t> damaged_at) {
  note_number(number);
  if (number <= options_.skip_through) return;
  ++stats_.records;
  event_.key.clear();
  event_.time = {};
  event_.provider.clear();
  event_.event_id = 0;
  event_.level = 0;
  event_.channel.clear();
  event_.computer.clear();
  event_.record_id = 0;
  event_.text.clear();
  event_.fields.clear();
  try {
    const auto& roots = document_.decode_record(begin, end);
    if (map_event(document_, roots, options_.selection, event_) == Mapped::NotSelected) return;
  } catch (const FormatError& e) {
    ++stats_.bad_records;
    // A record found by searching past damage may be a piece of another chunk (a shadow copy
    // mixes chunks): its templates are not in this one.
    if (damaged_at) {
      std::string past = "found past the damage at chunk byte " + std::to_string(*damaged_at) + " of chunk " +
                         std::to_string(chunk_index_);
      report_bad_record(number, past, past + ": " + e.what());
    } else {
      report_bad_record(number, e.what(), e.what());
    }
    return;
  }
  flush_bad_records();
  ++stats_.delivered;
  event_.source_kind = SourceKind::Evtx;
  event_.location = options_.location;
  event_.locator = "record " + std::to_string(number);
  on_event_(std::move(event_));
  event_ = TransportEvent{};
}

// Records that fail one after the other for one cause are one problem: the same reason, or
// records found past the same damage (their names and templates went with it), e.g.
// "records 12050-12201: found past the damage at chunk byte 512 of chunk 0: ... (152 records)".
void Reader::report_bad_record(uint64_t number, std::string cause, std::string reason) {
  if (bad_run_.count > 0 && bad_run_.last + 1 == number && bad_run_.cause == cause) {
    bad_run_.last = number;
    ++bad_run_.count;
    bad_run_.same_reason = bad_run_.same_reason && bad_run_.reason == reason;
    return;
  }
  flush_bad_records();
  bad_run_ = {number, number, 1, std::move(cause), std::move(reason), true};
}

void Reader::flush_bad_records() {
  if (bad_run_.count == 0) return;
  if (bad_run_.count == 1)
    on_problem_({options_.location, "record " + std::to_string(bad_run_.first), std::move(bad_run_.reason)});
  else
    on_problem_({options_.location, "records " + std::to_string(bad_run_.first) + "-" + std::to_string(bad_run_.last),
                 bad_run_.reason + " (" + std::to_string(bad_run_.count) + " records" +
                     (bad_run_.same_reason ? ")" : "; the first one's reason)")});
  bad_run_ = {};
}

void Reader::note_number(uint64_t number) {
  stats_.highest_number = std::max(stats_.highest_number, number);
  if (!runs_.empty() && runs_.back().second + 1 == number) {
    runs_.back().second = number;
    return;
  }
  if (runs_.size() >= kMaxRuns) {
    runs_overflowed_ = true;
    return;
  }
  runs_.emplace_back(number, number);
}

void Reader::finish() {
  flush_bad_records();
  const uint64_t present = stats_.chunks;
  if (!options_.resumed && present < header_chunks_)
    on_problem_({options_.location, "file",
                 "truncated: the header lists " + std::to_string(header_chunks_) + " chunks, the file holds " +
                     std::to_string(present)});
  report_missing_numbers();
}

// Record numbers run on without a gap in a sound log, even one that has wrapped around (each
// chunk holds consecutive numbers; chunks may be out of order). A gap means records were lost
// to damage reported above.
void Reader::report_missing_numbers() {
  if (runs_overflowed_) {
    on_problem_({options_.location, "file", "more than " + std::to_string(kMaxRuns) +
                                                " gaps between record numbers: missing records are not listed"});
    return;
  }
  std::sort(runs_.begin(), runs_.end());
  uint64_t covered = 0;
  bool any = false;
  for (const auto& [first, last] : runs_) {
    if (any && first > covered + 1 && first - 1 > options_.skip_through) {
      const uint64_t from = std::max(covered + 1, options_.skip_through + 1);
      on_problem_({options_.location, "records " + std::to_string(from) + "-" + std::to_string(first - 1),
                   "missing: no readable record carries these numbers (lost to the damage reported above)"});
    }
    covered = any ? std::max(covered, last) : last;
    any = true;
  }
}

Result<ReaderStats> read_evtx(Bytes file, const ReaderOptions& options, const EventSink& on_event,
                              const ProblemSink& on_problem) {
  Reader reader(options, on_event, on_problem);
  std::string failure;
  if (!reader.read_header(file.first(std::min(file.size(), kFileHeaderBlock)), failure)) return Error{failure};
  for (size_t offset = kFileHeaderBlock; offset < file.size(); offset += kChunkSize)
    reader.read_chunk(file.subspan(offset, std::min(kChunkSize, file.size() - offset)));
  reader.finish();
  return reader.stats();
}

}  // namespace authwatch::sources::evtx
