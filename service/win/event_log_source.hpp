#pragma once
// The live Windows event log as a monitor source: one per channel of sources::watched_channels()
// (Application: 1035/2003/2017; System: Kerberos 3/4 and the log-cleared event 104), read with
// EvtSubscribe in pull mode from the stored bookmark (EvtSubscribeStartAfterBookmark; the first
// time from the oldest record). Each poll takes what EvtNext has without waiting, renders it as XML
// for the same parser as exported events, and commits the events with the new bookmark in one
// transaction (Ingest::ingest_records). Records lost between the bookmark and the log's oldest
// record, record numbers that went back and event 104 are reported, never skipped silently.
// The subscription's signal wakes the monitor (RegisterWaitForSingleObject calls the wake the
// monitor gave), so an idle service is not polled for the event log; a subscription that failed is
// tried again after a minute, by the monitor's clock.
// Wine does not implement wevtapi (some calls abort the process there): under Wine the source
// says so once and stays off.
#include <memory>

#include "core/clock.hpp"
#include "service/source.hpp"
#include "sources/event_log_channel.hpp"

namespace authwatch::service {

std::unique_ptr<MonitorSource> make_event_log_source(sources::EventLogChannel channel, const Clock& clock);

}  // namespace authwatch::service
