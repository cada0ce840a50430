#pragma once
// UTF-8 <-> UTF-16 for the Windows backends (Win32 APIs take and give UTF-16; AuthWatch keeps UTF-8).
#include <windows.h>

#include <string>
#include <string_view>

namespace authwatch::probes::win {

inline std::wstring widen(std::string_view text) {
  if (text.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  if (n <= 0) return {};
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
  return wide;
}

inline std::string narrow(std::wstring_view text) {
  if (text.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n, nullptr, nullptr);
  return out;
}

inline std::string narrow(const wchar_t* text) { return text ? narrow(std::wstring_view(text)) : std::string(); }

// FormatMessageW's text for a Win32 or SSPI status, on one line, without the trailing period.
inline std::string system_message(unsigned long status) {
  wchar_t* text = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, status, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out = n && text ? narrow(std::wstring_view(text, n)) : std::string();
  if (text) LocalFree(text);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

}  // namespace authwatch::probes::win
