#include "sources/event_log_channel.hpp"

#include <pugixml.hpp>

#include "core/time.hpp"

namespace authwatch::sources {

const std::vector<EventLogChannel>& watched_channels() {
  static const std::vector<EventLogChannel> channels = {
      {"Application",
       "*[System[Provider[@Name='MSExchangeTransport' or @Name='MSExchangeFrontEndTransport' or "
       "@Name='MSExchangeTransportDelivery' or @Name='MSExchangeTransportSubmission'] and "
       "(EventID=1035 or EventID=2003 or EventID=2017)]]"},
      {"System",
       "*[System[(Provider[@Name='Microsoft-Windows-Security-Kerberos' or @Name='Kerberos'] and (EventID=3 or EventID=4)) or "
       "(Provider[@Name='Microsoft-Windows-Eventlog'] and EventID=104)]]"},
  };
  return channels;
}

std::string bookmark_xml(const EventLogBookmark& b) {
  return "<BookmarkList>\r\n  <Bookmark Channel='" + b.channel + "' RecordId='" + std::to_string(b.record_id) +
         "' IsCurrent='true'/>\r\n</BookmarkList>";
}

Result<EventLogBookmark> parse_bookmark_xml(std::string_view xml, const std::string& channel) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) return Error{"the stored bookmark of " + channel + " is not XML (" + parsed.description() + ")"};
  const auto list = doc.child("BookmarkList");
  if (!list) return Error{"the stored bookmark of " + channel + " has no <BookmarkList>"};
  for (auto mark : list.children("Bookmark")) {
    if (mark.attribute("Channel").value() != channel) continue;
    const std::string id = mark.attribute("RecordId").value();
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      return Error{"the stored bookmark of " + channel + " has no valid RecordId ('" + id + "')"};
    return EventLogBookmark{channel, std::stoull(id)};
  }
  return Error{"the stored bookmark has no entry for " + channel};
}

std::optional<std::string> continuity_problem(const std::string& channel, uint64_t last_read, uint64_t oldest_in_log,
                                              std::optional<uint64_t> first_new) {
  if (last_read == 0) return std::nullopt;
  if (first_new && *first_new <= last_read)
    return "the " + channel + " log's record numbers went back from " + std::to_string(last_read) + " to " +
           std::to_string(*first_new) + ": the log was cleared or re-created; reading it again from its start";
  if (oldest_in_log > last_read + 1)
    return "records " + std::to_string(last_read + 1) + " to " + std::to_string(oldest_in_log - 1) + " of the " + channel +
           " log were removed before AuthWatch read them (the log was cleared or its retention overwrote them): "
           "authentication failures in them are missed";
  return std::nullopt;
}

std::optional<std::string> log_cleared_notice(const TransportEvent& event) {
  if (event.provider != "Microsoft-Windows-Eventlog" || event.event_id != 104) return std::nullopt;
  auto field = [&](const char* name) { return std::string(event.field(name)); };
  const std::string channel = field("Channel");
  const std::string who = field("SubjectDomainName").empty() ? field("SubjectUserName") : field("SubjectDomainName") + "\\" + field("SubjectUserName");
  return "the " + (channel.empty() ? std::string("an event") : channel) + " log was cleared" + (who.empty() ? "" : " by " + who) +
         (event.time == TimePoint{} ? "" : " at " + format_iso8601(event.time)) + ": events it held before are gone";
}

}  // namespace authwatch::sources
