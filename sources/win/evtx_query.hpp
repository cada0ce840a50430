#pragma once
// The Windows half of reading .evtx files through wevtapi (sources/win/evtx_file.cpp): the XPath
// filter EvtQuery gets, built portably by evtx_query_xpath (sources/event_selection.hpp, tested on
// Linux against real event XML) and widened here for the API. Kept apart from the wevtapi calls so
// it is tested under Wine, which does not implement wevtapi.
#include <cstdint>
#include <string>

#include "sources/event_selection.hpp"

namespace authwatch::sources::win {

// Only the selected events (every event for an empty selection) numbered above `after`, so the
// event log service does the filtering.
std::wstring evtx_query_xpath(const EventSelection& selection, uint64_t after);

}  // namespace authwatch::sources::win
