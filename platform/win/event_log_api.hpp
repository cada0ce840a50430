#pragma once
// wevtapi (the Windows event log API) for the event log source (service/win) and the .evtx reader
// (sources/win): one owner for its handles and one EvtRender as UTF-8.
// EVT_HANDLE is a HANDLE (void*), so this header needs no <windows.h> or <winevt.h>.
#include <memory>
#include <string>

#include "core/result.hpp"

namespace authwatch::platform::win {

struct EvtCloser {
  void operator()(void* handle) const;  // EvtClose
};
// An EVT_HANDLE (a query, subscription, event, bookmark or log) closed when it goes.
using EvtHandle = std::unique_ptr<void, EvtCloser>;

enum class EvtRendered { EventXml, Bookmark };  // EvtRenderEventXml, EvtRenderBookmark

// An event's XML or a bookmark's XML, as UTF-8 (unpaired surrogates become U+FFFD, as in
// wide_text.hpp); the error reads "EvtRender failed: <error_text>".
Result<std::string> render_utf8(void* handle, EvtRendered what);

}  // namespace authwatch::platform::win
