#include "sources/win/evtx_query.hpp"

namespace authwatch::sources::win {

std::wstring evtx_query_xpath(uint64_t after) {
  if (after == 0) return L"*";
  return L"*[System[EventRecordID>" + std::to_wstring(after) + L"]]";
}

}  // namespace authwatch::sources::win
