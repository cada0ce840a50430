#include "platform/win/win_error.hpp"

#include <windows.h>

#include "platform/win/wide_text.hpp"

namespace authwatch::platform::win {

std::string system_message(unsigned long code) {
  wchar_t* text = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out = n && text ? narrow(std::wstring_view(text, n)) : std::string();
  if (text) LocalFree(text);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

std::string error_text(unsigned long code) {
  const std::string words = system_message(code);
  return (words.empty() ? std::string() : words + " ") + "(error " + std::to_string(code) + ")";
}

std::string failed_call(std::string_view call, unsigned long code) { return std::string(call) + " failed: " + error_text(code); }

Error call_failed(std::string_view call, unsigned long code) {
  return Error{Errc::os_call_failed, failed_call(call, code), std::error_code(static_cast<int>(code), std::system_category())};
}

}  // namespace authwatch::platform::win
