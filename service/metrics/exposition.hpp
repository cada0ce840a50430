#pragma once
// The Prometheus text exposition format (version 0.0.4) of a MetricsSnapshot. Pure: no I/O.
//
// Metrics (names and labels per Prometheus' conventions: snake_case, base units, `_total` for the
// counter, `_info` for the constant-1 build metric):
//   authwatch_up                                                          1 while the monitor serves
//   authwatch_build_info{version}                                         1
//   authwatch_incident_open{observer,direction,peer,peer_name}            1 per open incident
//   authwatch_incidents{status,direction}                                 incidents in the database
//   authwatch_signals_total{class}                                        counter: fault, noise, context
//   authwatch_probe_finding_status{probe,target}                          0 ok, 1 warn, 2 fail, 3 error
//   authwatch_clock_offset_seconds{target,method}                         + = the target is ahead
//   authwatch_diagnosis_cause_confidence{cause,target}                    0..1, open incidents' latest runs
//   authwatch_source_lag_bytes{source}                                    per followed folder
//   authwatch_alerts_pending                                              alerts not yet delivered
//   authwatch_last_pass_timestamp_seconds                                 Unix time of the last pass
//   authwatch_metrics_series_dropped{metric}                              series left out by the bounds
//
// Cardinality is bounded: at most kMaxSeriesPerMetric series per labelled metric (incidents: the
// ones active last; others in name order), the rest counted in authwatch_metrics_series_dropped.
// Label values come from logs and are hostile: invalid UTF-8 is replaced, values are cut at
// kMaxLabelValueBytes, and \, " and newlines are escaped as the format requires.
#include <cstddef>
#include <string>
#include <string_view>

#include "service/metrics/metrics_snapshot.hpp"

namespace authwatch::service {

inline constexpr size_t kMaxSeriesPerMetric = 200;
inline constexpr size_t kMaxLabelValueBytes = 256;

// A label value as the exposition format writes it between its quotes.
std::string escape_label_value(std::string_view value);

std::string render_exposition(const MetricsSnapshot& snapshot);

}  // namespace authwatch::service
