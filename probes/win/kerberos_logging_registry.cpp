// The Kerberos LogLevel registry value through the Win32 registry API (advapi32).
#include "probes/kerberos_logging.hpp"

// After the header: Boost.Asio brings winsock2.h, which must precede windows.h.
#include <windows.h>

#include <string>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"

namespace authwatch::probes {
namespace {

using platform::win::error_text;
using platform::win::widen;

HKEY root(const LogLevelLocation& where) { return where.local_machine ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER; }

}  // namespace

Result<std::optional<uint32_t>> read_log_level(const LogLevelLocation& where) {
  DWORD value = 0, size = sizeof value;
  const LSTATUS status = RegGetValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str(), RRF_RT_REG_DWORD,
                                      nullptr, &value, &size);
  if (status == ERROR_FILE_NOT_FOUND || status == ERROR_PATH_NOT_FOUND) return std::optional<uint32_t>{};
  if (status != ERROR_SUCCESS) return Error{"RegGetValueW " + where.text() + ": " + error_text(status)};
  return std::optional<uint32_t>{static_cast<uint32_t>(value)};
}

Result<void> write_log_level(const LogLevelLocation& where, uint32_t level) {
  const DWORD value = level;
  const LSTATUS status = RegSetKeyValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str(), REG_DWORD, &value, sizeof value);
  if (status != ERROR_SUCCESS) return Error{"RegSetKeyValueW " + where.text() + ": " + error_text(status)};
  return {};
}

Result<void> delete_log_level(const LogLevelLocation& where) {
  const LSTATUS status = RegDeleteKeyValueW(root(where), widen(where.key).c_str(), widen(where.value).c_str());
  if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && status != ERROR_PATH_NOT_FOUND)
    return Error{"RegDeleteKeyValueW " + where.text() + ": " + error_text(status)};
  return {};
}

}  // namespace authwatch::probes
