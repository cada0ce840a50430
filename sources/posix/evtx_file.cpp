// Exported .evtx files through libevtx. Each record's XML goes through the same mapping as an
// XML export, so a record gets the same key whichever way it reached us.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <libevtx/features.h>
// Debian's libevtx-dev declares its libbfio entry points but does not pull in libbfio-dev; files
// are opened by name here, so those declarations are not needed.
#if !__has_include(<libbfio.h>)
#undef LIBEVTX_HAVE_BFIO
#endif
#include <libevtx.h>

#include "sources/event_xml.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"

namespace authwatch::sources {
namespace {

struct LibevtxErrorFree {
  void operator()(libevtx_error_t* error) const { libevtx_error_free(&error); }
};
struct LibevtxFileFree {
  // Closing a handle whose open failed just returns -1 (no error is allocated for a null slot).
  void operator()(libevtx_file_t* file) const {
    libevtx_file_close(file, nullptr);
    libevtx_file_free(&file, nullptr);
  }
};
struct LibevtxRecordFree {
  void operator()(libevtx_record_t* record) const { libevtx_record_free(&record, nullptr); }
};
using LibevtxError = std::unique_ptr<libevtx_error_t, LibevtxErrorFree>;
using LibevtxFile = std::unique_ptr<libevtx_file_t, LibevtxFileFree>;
using LibevtxRecord = std::unique_ptr<libevtx_record_t, LibevtxRecordFree>;

// libevtx chains its messages from the cause outwards ("...: invalid binary XML token -
// unsupported type: 0x05." ... "libevtx_file_get_record_by_index: unable to retrieve record
// values: 0."): the first line of the backtrace says what is wrong.
std::string cause_of(libevtx_error_t* error) {
  char text[8192] = {};
  if (libevtx_error_backtrace_sprint(error, text, sizeof text) < 0 &&
      libevtx_error_sprint(error, text, sizeof text) < 0)
    return "unknown libevtx error";
  std::string_view message(text);
  return std::string(message.substr(0, message.find('\n')));
}

// Runs a libevtx call that reports through a libevtx_error_t** slot; its return code, and the
// cause in `cause` when it set an error.
template <class Call>
int call_libevtx(Call&& call, std::string& cause) {
  libevtx_error_t* raw = nullptr;
  int rc = call(&raw);
  LibevtxError error(raw);
  if (error) cause = cause_of(error.get());
  return rc;
}

Result<LibevtxFile> open_evtx(const std::string& path) {
  std::string cause;
  int signature = call_libevtx([&](auto** e) { return libevtx_check_file_signature(path.c_str(), e); }, cause);
  if (signature == 0) return Error{path + ": not an .evtx file (no ElfFile signature)"};
  if (signature != 1) return Error{path + ": cannot open: " + cause};
  libevtx_file_t* raw = nullptr;
  if (call_libevtx([&](auto** e) { return libevtx_file_initialize(&raw, e); }, cause) != 1)
    return Error{path + ": cannot set up libevtx: " + cause};
  LibevtxFile file(raw);
  if (call_libevtx([&](auto** e) { return libevtx_file_open(raw, path.c_str(), LIBEVTX_OPEN_READ, e); }, cause) != 1)
    return Error{path + ": cannot open as .evtx: " + cause};
  return file;
}

std::optional<std::string> record_xml(libevtx_record_t* record, std::string& cause) {
  size_t size = 0;
  if (call_libevtx([&](auto** e) { return libevtx_record_get_utf8_xml_string_size(record, &size, e); }, cause) != 1)
    return std::nullopt;
  if (size == 0) {
    cause = "libevtx gives an empty XML string";
    return std::nullopt;
  }
  std::string xml(size, '\0');
  auto* buffer = reinterpret_cast<uint8_t*>(xml.data());
  if (call_libevtx([&](auto** e) { return libevtx_record_get_utf8_xml_string(record, buffer, size, e); }, cause) != 1)
    return std::nullopt;
  if (auto nul = xml.find('\0'); nul != std::string::npos) xml.resize(nul);  // the size counts the NUL
  return xml;
}

// The bookmark keeps how many records libevtx listed, so records it could not even identify
// are reported once, not on every resumed read.
constexpr std::string_view kListedTag = "records-listed:";

std::string listed_bookmark(int listed) { return std::string(kListedTag) + std::to_string(listed); }

int listed_from(std::string_view bookmark) {
  if (!bookmark.starts_with(kListedTag)) return 0;
  bookmark.remove_prefix(kListedTag.size());
  int listed = 0;
  std::from_chars(bookmark.data(), bookmark.data() + bookmark.size(), listed);
  return listed;
}

// One read() of an open file: walks libevtx's records in listing order and reports as it goes.
class EvtxReading {
 public:
  EvtxReading(const std::string& path, libevtx_file_t* file, const SourcePosition& from, bool resumed,
              const EventHandler& on_event, const ErrorHandler& on_error)
      : path_(path), file_(file), on_event_(on_event), on_error_(on_error),
        read_through_(resumed ? from.record : 0), listed_before_(resumed ? listed_from(from.bookmark) : 0),
        highest_(read_through_) {
    summary_.resumed = resumed;
  }

  Result<ReadSummary> run() {
    std::string cause;
    int listed = 0;
    if (call_libevtx([&](auto** e) { return libevtx_file_get_number_of_records(file_, &listed, e); }, cause) != 1)
      return Error{path_ + ": cannot count its records: " + cause};
    for (int index = 0; index < listed; ++index) read_record(index);
    settle_unnumbered(std::nullopt);
    report_missing_numbers();
    // A resumed read of the same file header already reported the flag.
    if (!summary_.resumed && call_libevtx([&](auto** e) { return libevtx_file_is_corrupted(file_, e); }, cause) == 1)
      on_error_({path_, "file", "file is flagged corrupted; some records may be missing"});
    summary_.position.record = highest_;
    summary_.position.bookmark = listed_bookmark(listed);
    return summary_;
  }

  ReadSummary& summary() { return summary_; }

 private:
  struct Unnumbered {
    int index;
    std::string cause;
  };

  void read_record(int index) {
    std::string cause;
    libevtx_record_t* raw = nullptr;
    if (call_libevtx([&](auto** e) { return libevtx_file_get_record_by_index(file_, index, &raw, e); }, cause) != 1) {
      unnumbered_.push_back({index, std::move(cause)});
      return;
    }
    LibevtxRecord record(raw);
    uint64_t number = 0;
    bool numbered = call_libevtx([&](auto** e) { return libevtx_record_get_identifier(raw, &number, e); }, cause) == 1;
    if (numbered) {
      settle_unnumbered(number);
      note_number(number);
      if (number <= read_through_) return;
    }
    std::string locator = numbered ? "record " + std::to_string(number) : "record index " + std::to_string(index);
    auto xml = record_xml(raw, cause);
    if (!xml) {
      report_bad(std::move(locator), "libevtx cannot render its XML: " + cause);
      return;
    }
    auto parsed = parse_event_record(*xml, SourceKind::Evtx, path_, locator);
    if (auto* error = std::get_if<ReadError>(&parsed)) {
      report_bad(std::move(error->locator), std::move(error->reason));
      return;
    }
    ++summary_.records_read;
    on_event_(std::get<TransportEvent>(std::move(parsed)));
  }

  // Records libevtx could not even give us have no number. Between two numbered neighbours
  // whose numbers leave exactly that many free, they are those numbers; otherwise they are
  // named by their index (and, on a resumed read, skipped when the previous read listed them).
  void settle_unnumbered(std::optional<uint64_t> next_number) {
    bool fits = previous_number_ && next_number && *next_number > *previous_number_ &&
                *next_number - *previous_number_ - 1 == unnumbered_.size();
    for (size_t i = 0; i < unnumbered_.size(); ++i) {
      auto& failed = unnumbered_[i];
      std::string reason = "libevtx cannot read it: " + failed.cause;
      if (fits) {
        uint64_t number = *previous_number_ + 1 + i;
        note_number(number);
        if (number > read_through_)
          report_bad("record " + std::to_string(number) + " (index " + std::to_string(failed.index) + ")", reason);
      } else if (failed.index >= listed_before_) {
        report_bad("record index " + std::to_string(failed.index), reason);
      }
    }
    unnumbered_.clear();
    if (next_number) previous_number_ = next_number;
  }

  void note_number(uint64_t number) {
    if (number > read_through_) numbers_seen_.push_back(number);
    highest_ = std::max(highest_, number);
  }

  void report_bad(std::string locator, std::string reason) {
    ++summary_.records_read;
    ++summary_.bad_records;
    on_error_({path_, std::move(locator), std::move(reason)});
  }

  // Record numbers are consecutive in a sound file, even one that has wrapped around; a hole
  // means libevtx skipped records in a damaged chunk.
  void report_missing_numbers() {
    std::sort(numbers_seen_.begin(), numbers_seen_.end());
    for (size_t i = 1; i < numbers_seen_.size(); ++i) {
      if (numbers_seen_[i] <= numbers_seen_[i - 1] + 1) continue;
      on_error_({path_, "records " + std::to_string(numbers_seen_[i - 1] + 1) + "-" + std::to_string(numbers_seen_[i] - 1),
                 "missing: libevtx lists no record with these numbers (damaged chunk?)"});
    }
  }

  const std::string& path_;
  libevtx_file_t* file_;
  const EventHandler& on_event_;
  const ErrorHandler& on_error_;
  const uint64_t read_through_;
  const int listed_before_;
  uint64_t highest_;
  std::optional<uint64_t> previous_number_;
  std::vector<Unnumbered> unnumbered_;
  std::vector<uint64_t> numbers_seen_;
  ReadSummary summary_;
};

class EvtxFile final : public FileSource {
 public:
  explicit EvtxFile(std::string path) : path_(std::move(path)) {}

  FileFormat format() const override { return FileFormat::Evtx; }
  const std::string& path() const override { return path_; }

  // Position: identity = the file's fingerprint, record = the highest record number seen. A
  // resumed read skips records numbered up to it. Records that cannot be read are reported and
  // counted as bad; findings about the file rather than a record (numbers missing between the
  // records listed, libevtx's "corrupted" flag) are reported too, but not counted as records:
  // how many records they cost is unknown.
  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event,
                           const ErrorHandler& on_error) override {
    auto opened = open_evtx(path_);
    if (!opened) return Error{opened.error()};
    bool resumed = !from.identity.empty() && fingerprint_matches(path_, from.identity);
    EvtxReading reading(path_, opened.value().get(), from, resumed, on_event, on_error);
    reading.summary().position.identity = file_fingerprint(path_);
    return reading.run();
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<FileSource> make_evtx_file(const std::string& path) { return std::make_unique<EvtxFile>(path); }

}  // namespace authwatch::sources
