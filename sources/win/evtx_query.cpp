#include "sources/win/evtx_query.hpp"

#include <windows.h>

namespace authwatch::sources::win {

std::wstring evtx_query_xpath(const EventSelection& selection, uint64_t after) {
  const std::string query = sources::evtx_query_xpath(selection, after);
  const int n = MultiByteToWideChar(CP_UTF8, 0, query.data(), static_cast<int>(query.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, query.data(), static_cast<int>(query.size()), wide.data(), n);
  return wide;
}

}  // namespace authwatch::sources::win
