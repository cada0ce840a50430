// The Kerberos LogLevel registry value through the Win32 registry API (advapi32).
#include "probes/kerberos_logging.hpp"

// After the header: Boost.Asio brings winsock2.h, which must precede windows.h.
#include <windows.h>

#include <string>

namespace authwatch::probes {
namespace {

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

std::string system_message(LSTATUS status) {
  wchar_t* text = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                                 static_cast<DWORD>(status), 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out = "error " + std::to_string(status);
  if (n && text) {
    std::string narrow;
    for (DWORD i = 0; i < n; ++i) narrow += (text[i] < 0x80 && text[i] != L'\r' && text[i] != L'\n') ? static_cast<char>(text[i]) : ' ';
    while (!narrow.empty() && narrow.back() == ' ') narrow.pop_back();
    out += " (" + narrow + ")";
  }
  if (text) LocalFree(text);
  return out;
}

HKEY root(const LogLevelLocation& where) { return where.local_machine ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER; }

}  // namespace

Result<std::optional<uint32_t>> read_log_level(const LogLevelLocation& where) {
  DWORD value = 0, size = sizeof value;
  const LSTATUS status = RegGetValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str(), RRF_RT_REG_DWORD,
                                      nullptr, &value, &size);
  if (status == ERROR_FILE_NOT_FOUND || status == ERROR_PATH_NOT_FOUND) return std::optional<uint32_t>{};
  if (status != ERROR_SUCCESS) return Error{"RegGetValueW " + where.text() + ": " + system_message(status)};
  return std::optional<uint32_t>{static_cast<uint32_t>(value)};
}

Result<bool> write_log_level(const LogLevelLocation& where, uint32_t level) {
  const DWORD value = level;
  const LSTATUS status = RegSetKeyValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str(), REG_DWORD, &value, sizeof value);
  if (status != ERROR_SUCCESS) return Error{"RegSetKeyValueW " + where.text() + ": " + system_message(status)};
  return true;
}

Result<bool> delete_log_level(const LogLevelLocation& where) {
  const LSTATUS status = RegDeleteKeyValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str());
  if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && status != ERROR_PATH_NOT_FOUND)
    return Error{"RegDeleteKeyValueW " + where.text() + ": " + system_message(status)};
  return true;
}

}  // namespace authwatch::probes
