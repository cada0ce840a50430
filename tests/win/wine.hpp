#pragma once
// Whether the test runs under Wine (ntdll exports wine_get_version there): tests of APIs that Wine
// only stubs (wevtapi) assert Wine's documented behaviour there and the real one on Windows.
#include <windows.h>

namespace authwatch::test {

inline bool running_under_wine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

}  // namespace authwatch::test
