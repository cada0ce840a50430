// Exported .evtx files on Windows, through wevtapi: EvtQuery(EvtQueryFilePath) lists the records,
// EvtRender(EvtRenderEventXml) gives each one's XML, which goes through the same mapping as an XML
// export (so a record gets the same key whichever way it reached us). A thin layer on purpose:
// Wine does not implement wevtapi (EvtQuery returns NULL, EvtRender aborts), so under Wine this
// reader reports the file as unreadable, and what surrounds it (XPath, XML mapping) is tested apart.
#include <windows.h>
#include <winevt.h>

#include <algorithm>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sources/event_xml.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "sources/text_encoding.hpp"
#include "sources/win/evtx_query.hpp"

namespace authwatch::sources {
namespace {

struct EvtClose_ {
  void operator()(EVT_HANDLE h) const { EvtClose(h); }
};
using EvtHandle = std::unique_ptr<std::remove_pointer_t<EVT_HANDLE>, EvtClose_>;

std::string system_message(DWORD code) {
  wchar_t* text = nullptr;
  const DWORD length = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                      nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message = "error " + std::to_string(code);
  if (length > 0 && text) {
    std::wstring_view w(text, length);
    while (!w.empty() && (w.back() == L'\r' || w.back() == L'\n' || w.back() == L'.')) w.remove_suffix(1);
    if (auto utf8 = utf16le_to_utf8(std::string_view(reinterpret_cast<const char*>(w.data()), w.size() * sizeof(wchar_t))))
      message += " (" + *utf8 + ")";
  }
  if (text) LocalFree(text);
  return message;
}

std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), n);
  return wide;
}

// One event's XML (UTF-8), or the system's reason.
Result<std::string> render_xml(EVT_HANDLE event) {
  DWORD used = 0, properties = 0;
  std::vector<wchar_t> buffer(4096);
  if (!EvtRender(nullptr, event, EvtRenderEventXml, static_cast<DWORD>(buffer.size() * sizeof(wchar_t)), buffer.data(), &used,
                 &properties)) {
    const DWORD error = GetLastError();
    if (error != ERROR_INSUFFICIENT_BUFFER) return Error{"EvtRender: " + system_message(error)};
    buffer.resize(used / sizeof(wchar_t) + 1);
    if (!EvtRender(nullptr, event, EvtRenderEventXml, static_cast<DWORD>(buffer.size() * sizeof(wchar_t)), buffer.data(),
                   &used, &properties))
      return Error{"EvtRender: " + system_message(GetLastError())};
  }
  size_t chars = used / sizeof(wchar_t);
  if (chars > 0 && buffer[chars - 1] == L'\0') --chars;
  auto utf8 = utf16le_to_utf8(std::string_view(reinterpret_cast<const char*>(buffer.data()), chars * sizeof(wchar_t)));
  if (!utf8) return Error{"EvtRender returned malformed UTF-16"};
  return *utf8;
}

class EvtxFile final : public FileSource {
 public:
  EvtxFile(std::string path, EventSelection selection) : path_(std::move(path)), selection_(std::move(selection)) {}

  FileFormat format() const override { return FileFormat::Evtx; }
  const std::string& path() const override { return path_; }

  // Position: identity = the file's fingerprint, record = the highest record number seen; a
  // resumed read asks wevtapi only for records numbered above it. The XPath filter asks only for
  // the selected events: the event log service skips the rest, so records_read counts the
  // events it returned.
  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event, const ErrorHandler& on_error) override {
    const bool resumed = !from.identity.empty() && fingerprint_matches(path_, from.identity);
    const uint64_t after = resumed ? from.record : 0;
    EvtHandle query(EvtQuery(nullptr, widen(path_).c_str(), win::evtx_query_xpath(selection_, after).c_str(),
                             EvtQueryFilePath | EvtQueryForwardDirection));
    if (!query) return Error{path_ + ": cannot open as .evtx (wevtapi EvtQuery): " + system_message(GetLastError())};

    ReadSummary summary;
    summary.resumed = resumed;
    summary.position.identity = file_fingerprint(path_);
    summary.position.record = after;
    std::vector<EVT_HANDLE> batch(64);
    for (;;) {
      DWORD returned = 0;
      if (!EvtNext(query.get(), static_cast<DWORD>(batch.size()), batch.data(), INFINITE, 0, &returned)) {
        const DWORD error = GetLastError();
        if (error == ERROR_NO_MORE_ITEMS) break;
        on_error({path_, "after record " + std::to_string(summary.position.record), "EvtNext: " + system_message(error)});
        break;
      }
      for (DWORD i = 0; i < returned; ++i) {
        EvtHandle event(batch[i]);
        ++summary.records_read;
        const std::string locator = "record index " + std::to_string(summary.records_read);
        auto xml = render_xml(event.get());
        if (!xml) {
          ++summary.bad_records;
          on_error({path_, locator, xml.error()});
          continue;
        }
        auto parsed = parse_event_record(xml.value(), SourceKind::Evtx, path_, locator);
        if (auto* error = std::get_if<ReadError>(&parsed)) {
          ++summary.bad_records;
          on_error(std::move(*error));
          continue;
        }
        auto& event_read = std::get<TransportEvent>(parsed);
        summary.position.record = std::max(summary.position.record, event_read.record_id);
        on_event(std::move(event_read));
      }
    }
    return summary;
  }

 private:
  std::string path_;
  EventSelection selection_;
};

}  // namespace

std::unique_ptr<FileSource> make_evtx_file(const std::string& path, const EventSelection& selection) {
  return std::make_unique<EvtxFile>(path, selection);
}

}  // namespace authwatch::sources
