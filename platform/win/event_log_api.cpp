#include "platform/win/event_log_api.hpp"

#include <windows.h>
#include <winevt.h>

#include <algorithm>
#include <type_traits>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"

namespace authwatch::platform::win {

static_assert(std::is_same_v<EVT_HANDLE, void*>, "EvtHandle holds an EVT_HANDLE as void*");

void EvtCloser::operator()(void* handle) const { EvtClose(handle); }

Result<std::string> render_utf8(void* handle, EvtRendered what) {
  const DWORD flags = what == EvtRendered::Bookmark ? EvtRenderBookmark : EvtRenderEventXml;
  DWORD used = 0, properties = 0;
  // Most events fit; a bigger one is rendered again into the size EvtRender asked for.
  std::wstring buffer(4096, L'\0');
  if (!EvtRender(nullptr, handle, flags, static_cast<DWORD>(buffer.size() * sizeof(wchar_t)), buffer.data(), &used, &properties)) {
    const DWORD error = GetLastError();
    if (error != ERROR_INSUFFICIENT_BUFFER) return call_failed("EvtRender", error);
    buffer.assign(used / sizeof(wchar_t) + 1, L'\0');
    if (!EvtRender(nullptr, handle, flags, static_cast<DWORD>(buffer.size() * sizeof(wchar_t)), buffer.data(), &used, &properties))
      return call_failed("EvtRender", GetLastError());
  }
  buffer.resize(std::min<size_t>(buffer.size(), used / sizeof(wchar_t)));
  while (!buffer.empty() && buffer.back() == L'\0') buffer.pop_back();
  return narrow(buffer);
}

}  // namespace authwatch::platform::win
