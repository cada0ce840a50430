#pragma once
// The platform-independent half of reading .evtx files through wevtapi (sources/win/evtx_file.cpp):
// the structured XPath query that resumes after a record. Kept apart from the wevtapi calls so it
// is tested under Wine, which does not implement wevtapi.
#include <cstdint>
#include <string>

namespace authwatch::sources::win {

// The XPath filter of EvtQuery: every event ("*"), or only those numbered above `after`.
std::wstring evtx_query_xpath(uint64_t after);

}  // namespace authwatch::sources::win
