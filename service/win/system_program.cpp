// Windows: powershell.exe and cmd.exe from the system folder GetSystemDirectoryW reports at run
// time (%SystemRoot%\System32 on the machine the service runs on, wherever Windows is installed).
#include <algorithm>
#include <cwctype>

#include "platform/win/wide_text.hpp"
#include "service/system_program.hpp"

#include <windows.h>

namespace authwatch::service {

std::optional<std::string> system_program(const std::string& name) {
  std::wstring bare = platform::win::widen(name);
  std::transform(bare.begin(), bare.end(), bare.begin(), [](wchar_t c) { return static_cast<wchar_t>(std::towlower(c)); });
  const wchar_t* relative = bare == L"powershell" || bare == L"powershell.exe" ? L"\\WindowsPowerShell\\v1.0\\powershell.exe"
                            : bare == L"cmd" || bare == L"cmd.exe"              ? L"\\cmd.exe"
                                                                                : nullptr;
  if (!relative) return std::nullopt;
  wchar_t system[MAX_PATH];
  const UINT n = GetSystemDirectoryW(system, MAX_PATH);
  // Never a PATH search, not even then: the unexpanded name is not found, and the error says which.
  if (n == 0 || n >= MAX_PATH) return platform::win::narrow(std::wstring(L"%SystemRoot%\\System32") + relative);
  return platform::win::narrow(std::wstring(system, n) + relative);
}

}  // namespace authwatch::service
