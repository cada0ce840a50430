#pragma once
// The pipeline's names (pipeline/ingest.hpp, pipeline/alerts.hpp) as the monitor's code spells
// them: unqualified inside authwatch::service, where they lived until issue 13 moved them into
// pipeline/. Declared once here so the move changed only include lines in service/; writing
// `pipeline::` at each use and removing this header is a later, mechanical step.
#include "pipeline/alerts.hpp"
#include "pipeline/ingest.hpp"

namespace authwatch::service {

using pipeline::expand_paths;
using pipeline::FileIngest;
using pipeline::IncidentPass;
using pipeline::Ingest;
using pipeline::ProgressFn;
using pipeline::RecordBatch;
using pipeline::RefusedPath;
using pipeline::SignalCounts;

using pipeline::AlertSink;
using pipeline::alert_message;
using pipeline::cause_diagnosed_alert;
using pipeline::cause_event_id;
using pipeline::health_alert;
using pipeline::incident_json;
using pipeline::incident_opened_alert;
using pipeline::incident_resolved_alert;
using pipeline::kEventCauseDiagnosedBase;
using pipeline::kEventIncidentOpened;
using pipeline::kEventIncidentResolved;
using pipeline::kEventNoCauseFound;
using pipeline::kEventServiceHealth;
using pipeline::make_json_lines_sink;

}  // namespace authwatch::service
