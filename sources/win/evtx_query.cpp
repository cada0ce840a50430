#include "sources/win/evtx_query.hpp"

#include "platform/win/wide_text.hpp"

namespace authwatch::sources::win {

std::wstring evtx_query_xpath(const EventSelection& selection, uint64_t after) {
  return platform::win::widen(sources::evtx_query_xpath(selection, after));
}

}  // namespace authwatch::sources::win
