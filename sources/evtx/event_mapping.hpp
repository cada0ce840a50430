#pragma once
// A decoded record -> TransportEvent, by the rules sources/event_xml.cpp applies to an <Event>
// element (System fields, EventData <Data> named or "1", "2", ..., UserData leaves, the
// RenderingInfo message, the natural key), read straight from the BinXML tree: no XML text is
// written or parsed. Failures carry the XML mapping's reasons ("no <System>", "EventID 'x' is
// not a number"), so a bad record reads the same whichever way it came in.
#include "core/transport_event.hpp"
#include "sources/event_selection.hpp"
#include "sources/evtx/binxml.hpp"

namespace authwatch::sources::evtx {

enum class Mapped { Event, NotSelected };

// Fills `out` (its source kind, location and locator are the caller's). With a selection, a
// record whose provider and event id it does not select is left after reading just those two:
// NotSelected. Throws FormatError.
Mapped map_event(ChunkDocument& document, const std::vector<ElementRef>& roots, const EventSelection* selection,
                 TransportEvent& out);

}  // namespace authwatch::sources::evtx
