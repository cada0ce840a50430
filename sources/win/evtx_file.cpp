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

#include "platform/win/event_log_api.hpp"
#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "sources/event_xml.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "sources/win/evtx_query.hpp"

namespace authwatch::sources {
namespace {

using platform::win::error_text;
using platform::win::EvtHandle;
using platform::win::EvtRendered;
using platform::win::widen;

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
    if (!query) return Error{path_ + ": cannot open as .evtx (wevtapi EvtQuery): " + error_text(GetLastError())};

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
        on_error({path_, "after record " + std::to_string(summary.position.record), "EvtNext: " + error_text(error)});
        break;
      }
      for (DWORD i = 0; i < returned; ++i) {
        EvtHandle event(batch[i]);
        ++summary.records_read;
        const std::string locator = "record index " + std::to_string(summary.records_read);
        auto xml = platform::win::render_utf8(event.get(), EvtRendered::EventXml);
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
