#pragma once
// Which Windows events a reader has to deliver: the (provider, event id) pairs the detection
// rules look at (core/detection_rules.cpp). Readers that learn a record's provider and id before
// the rest of it (the .evtx reader; EvtQuery, through an XPath filter) pass the others over, so
// a record no rule reads costs next to nothing. Only a prefilter: the detector still decides.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/detector.hpp"

namespace authwatch::sources {

class EventSelection {
 public:
  struct Wanted {
    std::string provider;
    uint32_t event_id = 0;
  };

  // Selects every event (no filter).
  EventSelection() = default;
  // The events the rules' event-log table reads.
  static EventSelection of(const DetectionRules& rules);

  void add(std::string provider, uint32_t event_id);
  bool selects_everything() const { return wanted_.empty(); }
  // Providers compare case-insensitively, as the detector compares them.
  bool matches(std::string_view provider, uint32_t event_id) const;
  const std::vector<Wanted>& wanted() const { return wanted_; }

 private:
  std::vector<Wanted> wanted_;
};

// The XPath filter EvtQuery gets for an .evtx file: the selected events (every event when the
// selection is empty) numbered above `after` (no bound when 0), e.g.
// "*[System[((Provider[@Name='A' or @Name='B'] and (EventID=1035 or EventID=2003))) and EventRecordID>42]]".
std::string evtx_query_xpath(const EventSelection& selection, uint64_t after);

}  // namespace authwatch::sources
