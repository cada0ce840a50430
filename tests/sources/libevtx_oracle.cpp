#include "tests/sources/libevtx_oracle.hpp"

#include <memory>
#include <variant>

#include <libevtx/features.h>
// Debian's libevtx-dev declares its libbfio entry points but does not pull in libbfio-dev; files
// are opened by name here, so those declarations are not needed.
#if !__has_include(<libbfio.h>)
#undef LIBEVTX_HAVE_BFIO
#endif
#include <libevtx.h>

#include "sources/event_xml.hpp"

namespace authwatch::testing {
namespace {

struct LibevtxFileFree {
  void operator()(libevtx_file_t* file) const {
    libevtx_file_close(file, nullptr);
    libevtx_file_free(&file, nullptr);
  }
};
struct LibevtxRecordFree {
  void operator()(libevtx_record_t* record) const { libevtx_record_free(&record, nullptr); }
};

// libevtx chains its messages from the cause outwards: the first line says what is wrong.
std::string take_cause(libevtx_error_t* error) {
  if (!error) return "";
  char text[8192] = {};
  if (libevtx_error_backtrace_sprint(error, text, sizeof text) < 0) libevtx_error_sprint(error, text, sizeof text);
  libevtx_error_free(&error);
  std::string message(text);
  return message.substr(0, message.find('\n'));
}

}  // namespace

OracleReading read_with_libevtx(const std::string& path) {
  OracleReading out;
  libevtx_error_t* error = nullptr;
  libevtx_file_t* raw_file = nullptr;
  if (libevtx_file_initialize(&raw_file, &error) != 1) {
    out.open_failure = take_cause(error);
    return out;
  }
  std::unique_ptr<libevtx_file_t, LibevtxFileFree> file(raw_file);
  if (libevtx_file_open(raw_file, path.c_str(), LIBEVTX_OPEN_READ, &error) != 1) {
    out.open_failure = take_cause(error);
    return out;
  }
  int count = 0;
  if (libevtx_file_get_number_of_records(raw_file, &count, &error) != 1) {
    out.open_failure = take_cause(error);
    return out;
  }
  for (int index = 0; index < count; ++index) {
    OracleRecord record;
    record.index = index;
    libevtx_record_t* raw_record = nullptr;
    if (libevtx_file_get_record_by_index(raw_file, index, &raw_record, &error) != 1) {
      record.failure = take_cause(error);
      out.records.push_back(std::move(record));
      continue;
    }
    std::unique_ptr<libevtx_record_t, LibevtxRecordFree> owned(raw_record);
    uint64_t number = 0;
    if (libevtx_record_get_identifier(raw_record, &number, &error) == 1) record.number = number;
    else take_cause(error);
    error = nullptr;
    size_t size = 0;
    std::string xml;
    if (libevtx_record_get_utf8_xml_string_size(raw_record, &size, &error) == 1 && size > 0) {
      xml.assign(size, '\0');
      if (libevtx_record_get_utf8_xml_string(raw_record, reinterpret_cast<uint8_t*>(xml.data()), size, &error) != 1)
        xml.clear();
    }
    if (xml.empty()) {
      record.failure = "libevtx cannot render its XML: " + take_cause(error);
      out.records.push_back(std::move(record));
      continue;
    }
    if (auto nul = xml.find('\0'); nul != std::string::npos) xml.resize(nul);
    const std::string locator = record.number ? "record " + std::to_string(*record.number) : "record index " + std::to_string(index);
    auto parsed = sources::parse_event_record(xml, SourceKind::Evtx, path, locator);
    if (auto* failed = std::get_if<sources::ReadError>(&parsed)) record.failure = failed->reason;
    else record.event = std::get<TransportEvent>(std::move(parsed));
    out.records.push_back(std::move(record));
  }
  out.flagged_corrupted = libevtx_file_is_corrupted(raw_file, nullptr) == 1;
  return out;
}

}  // namespace authwatch::testing
