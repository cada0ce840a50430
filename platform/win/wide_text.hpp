#pragma once
// UTF-8 <-> UTF-16 for Win32 calls: the API takes and gives UTF-16 (wchar_t), AuthWatch keeps UTF-8.
//
// Neither direction fails or throws on bad input (only std::bad_alloc can escape): ill-formed UTF-8
// and unpaired surrogates become U+FFFD, as MultiByteToWideChar and WideCharToMultiByte do without
// MB_ERR_INVALID_CHARS / WC_ERR_INVALID_CHARS. Text from outside (an event's data, a server's
// diagnostic, a path) is kept with a visible mark rather than dropped. Embedded NULs are kept.
// This header needs no <windows.h>, so it can be included before Boost.Asio (whose winsock2.h must
// precede windows.h).
#include <string>
#include <string_view>

namespace authwatch::platform::win {

std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view utf16);
// A NUL-terminated string as Win32 returns it; nullptr gives "".
std::string narrow(const wchar_t* utf16);

}  // namespace authwatch::platform::win
