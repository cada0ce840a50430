#pragma once
// One incident's signals on a time line, as inline SVG (no script, no external resource): a lane
// per source (Application log, System log — the Kerberos context —, SMTP protocol log, Get-Queue),
// a mark per signal shaped and coloured by class (fault, context, noise), each with a <title> for a
// mouse-over. The incident's own span is shaded.
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

// "Application log", "System log (Kerberos)", "SMTP protocol log", "Get-Queue", "other".
std::string_view signal_source_lane(const Signal& s);

std::string timeline_svg(const Incident& incident, const std::vector<storage::StoredSignal>& signals,
                         const std::vector<storage::StoredSignal>& noise);

}  // namespace authwatch::cli
