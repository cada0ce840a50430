#include "cli/report/report_html.hpp"

#include <map>

#include "cli/output.hpp"
#include "cli/report/html.hpp"
#include "core/utf8.hpp"
#include "cli/report/timeline_svg.hpp"

namespace authwatch::cli {
namespace {

constexpr std::string_view kStyle = R"css(
:root { --fault: #c62828; --context: #1565c0; --noise: #8a8a8a; --ok: #2e7d32; --warn: #ef6c00; --ink: #1d1d1f; --muted: #5f6368; --line: #d9dce1; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 10px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h3 { font-size: 17px; margin: 0 0 6px; }
h4 { font-size: 14px; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.subtitle { color: var(--muted); margin: 0 0 14px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.summary { display: flex; gap: 12px; margin: 16px 0 0; flex-wrap: wrap; }
.summary div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.summary b { display: block; font-size: 22px; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { background: #f3f4f6; font-weight: 600; white-space: nowrap; }
/* Short fixed words stay whole; host names break only where they must (overflow-wrap: anywhere would let the
   table squeeze them to a letter per line). Text from logs elsewhere keeps breaking anywhere. */
td[class^="status-"], td[class^="st-"] { white-space: nowrap; }
table.incidents td:nth-child(1), table.incidents td:nth-child(4), table.signals td:nth-child(2), table.signals td:nth-child(4) { white-space: nowrap; }
table.links td:nth-child(1), table.links td:nth-child(2), table.links td:nth-child(4), table.incidents td:nth-child(3), table.incidents td:nth-child(5) { overflow-wrap: break-word; }
thead { display: table-header-group; }
td.num { text-align: right; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.status-open, .st-fail { color: var(--fault); font-weight: 600; }
.status-resolved, .st-ok { color: var(--ok); }
.st-warn { color: var(--warn); font-weight: 600; }
.st-error { color: var(--muted); font-weight: 600; }
section.incident { border-top: 1px solid var(--line); padding-top: 18px; margin-top: 26px; }
.what { margin: 0 0 8px; }
figure { margin: 8px 0; }
figcaption { color: var(--muted); font-size: 12px; }
svg.timeline { display: block; max-width: 960px; border: 1px solid var(--line); border-radius: 4px; }
svg.timeline .span { fill: #fdecea; }
svg.timeline .lane { stroke: var(--line); }
svg.timeline .tick { stroke: #eceef1; }
svg.timeline .lane-label, svg.timeline .tick-label { font-size: 12px; fill: var(--muted); }
svg.timeline .mark.fault { fill: var(--fault); }
svg.timeline .mark.context { fill: var(--context); }
svg.timeline .mark.noise { fill: #fff; stroke: var(--noise); stroke-width: 2; }
svg.timeline .mark-label { font-size: 11px; fill: var(--context); }
.legend span { margin-right: 14px; white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: middle; }
.dot.fault { background: var(--fault); } .dot.context { background: var(--context); border-radius: 0; transform: rotate(45deg); }
.dot.noise { border: 2px solid var(--noise); }
.bar { display: inline-block; height: 8px; background: var(--fault); border-radius: 2px; vertical-align: middle; margin-right: 6px; }
.cause { font-weight: 600; }
ol.why li { margin-bottom: 6px; }
ul.evidence { margin: 2px 0 0; padding-left: 18px; color: var(--muted); font-size: 12px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 11px/1.35 "DejaVu Sans Mono", Consolas, monospace; background: #f7f7f8; padding: 6px 8px; margin: 2px 0; border-radius: 4px; }
.muted { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { padding: 0; font-size: 11px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  section.incident { break-before: page; border-top: none; margin-top: 0; }
  tr, figure, .summary div, ol.why li { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  svg.timeline { max-width: 100%; }
}
)css";

std::string time_text(TimePoint t) {
  std::string s = format_iso8601(t).substr(0, 19);
  s[10] = ' ';
  return s;
}

std::string anchor(const std::map<std::string, size_t>& db_index, const std::string& db, int64_t id) {
  auto it = db_index.find(db);
  return "incident-" + std::to_string(it == db_index.end() ? 0 : it->second) + "-" + std::to_string(id);
}

std::string incident_label(const std::map<std::string, size_t>& db_index, const std::string& db, int64_t id) {
  return db_index.size() > 1 ? "#" + std::to_string(id) + " (" + db + ")" : "#" + std::to_string(id);
}

std::string peer_text(const Incident& i) {
  if (!i.peer_context.empty()) return "unknown server (seen at " + i.peer_context + ")";
  return i.peer + (i.peer_name.empty() || i.peer_name == i.peer ? "" : " (" + i.peer_name + ")");
}

std::string what_happened(const Incident& i) {
  const std::string observer = i.observer.empty() ? "A server (not named by its evidence)" : i.observer;
  return i.direction == Direction::Outbound ? observer + " failed to authenticate to " + peer_text(i) + " (outbound)."
                                            : observer + " rejected the Exchange authentication of " + peer_text(i) + " (inbound).";
}

// Evidence of a probe cause: [{probe, target, status, role, <field>: value}] in one line each.
std::string cause_evidence(const nlohmann::json& evidence) {
  if (!evidence.is_array() || evidence.empty()) return {};
  std::string out = "<ul class=\"evidence\">";
  size_t shown = 0;
  for (const auto& e : evidence) {
    if (++shown > 8) {
      out += "<li>" + escape_html(std::to_string(evidence.size() - 8) + " more in `authwatch show`") + "</li>";
      break;
    }
    if (!e.is_object()) continue;
    std::string line;
    for (const char* key : {"role", "probe", "target", "status"})
      if (e.contains(key) && e[key].is_string()) line += (line.empty() ? "" : " ") + e[key].get<std::string>();
    for (const auto& [k, v] : e.items()) {
      if (k == "role" || k == "probe" || k == "target" || k == "status") continue;
      std::string value = v.is_string() ? v.get<std::string>() : v.dump();
      if (value.size() > 160) value = std::string(utf8_prefix(value, 157)) + "...";
      line += "; " + k + ": " + value;
    }
    out += "<li>" + escape_html(line) + "</li>";
  }
  return out + "</ul>";
}

// A signal's evidence in a few lines: the session's lines, the event's data, the queue's error.
std::string signal_evidence(const Signal& s) {
  const auto& e = s.evidence;
  std::string text;
  if (e.contains("lines") && e["lines"].is_array()) {
    const auto& lines = e["lines"];
    const size_t from = lines.size() > 8 ? lines.size() - 8 : 0;
    for (size_t i = from; i < lines.size(); ++i) text += (lines[i].is_string() ? lines[i].get<std::string>() : lines[i].dump()) + "\n";
  } else if (e.contains("last_error")) {
    text = "queue " + e.value("identity", std::string()) + ", next hop " + e.value("next_hop_domain", std::string()) + "\nLastError: " +
           (e["last_error"].is_string() ? e["last_error"].get<std::string>() : e["last_error"].dump());
  } else if (e.contains("data") && e["data"].is_object()) {
    for (const auto& [k, v] : e["data"].items()) {
      const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
      if (!value.empty()) text += k + ": " + value + "\n";
    }
  }
  if (text.size() > 2000) text = std::string(utf8_prefix(text, 2000)) + "...";
  return text.empty() ? std::string() : "<pre>" + escape_html(text) + "</pre>";
}

void links_section(std::string& h, const ReportModel& m, const std::map<std::string, size_t>& db_index) {
  h += "<section id=\"links\"><h2>Links between servers</h2>";
  if (m.links.empty()) {
    h += "<p class=\"muted\">No incident, so no broken link.</p></section>";
    return;
  }
  h += "<p class=\"muted\">One row per direction: <i>from</i> failed to authenticate to <i>to</i> (seen by the sender), or <i>to</i> "
       "rejected <i>from</i> (seen by the receiver).</p>";
  h += "<table class=\"links\"><thead><tr><th>from</th><th>to</th><th>status</th><th>seen by</th><th>incidents</th><th>first seen "
       "(UTC)</th><th>last seen (UTC)</th><th>causes</th></tr></thead><tbody>";
  for (const auto& l : m.links) {
    h += "<tr><td>" + escape_html(l.from) + "</td><td>" + escape_html(l.to) +
         (l.context.empty() ? "" : "<br><span class=\"muted\">" + escape_html("seen at " + l.context) + "</span>") + "</td>";
    h += "<td class=\"status-" + std::string(to_string(l.status)) + "\">" + std::string(to_string(l.status)) + "</td><td>";
    for (size_t i = 0; i < l.seen_by.size(); ++i) h += (i ? ", " : "") + escape_html(l.seen_by[i]);
    h += "</td><td>";
    for (size_t i = 0; i < l.incidents.size(); ++i)
      h += std::string(i ? ", " : "") + "<a href=\"#" + anchor(db_index, l.incidents[i].db, l.incidents[i].id) + "\">" +
           escape_html(incident_label(db_index, l.incidents[i].db, l.incidents[i].id)) + "</a>";
    h += "</td><td class=\"nowrap\">" + time_text(l.first_seen) + "</td><td class=\"nowrap\">" + time_text(l.last_seen) + "</td><td>";
    if (l.causes.empty()) h += "<span class=\"muted\">none found yet</span>";
    for (size_t i = 0; i < l.causes.size() && i < 4; ++i)
      h += std::string(i ? "<br>" : "") + "<span class=\"cause\">" + escape_html(l.causes[i].cause) + "</span> " +
           escape_html(l.causes[i].target + " " + confidence_text(l.causes[i].confidence) + " (" + l.causes[i].seen_by + ")");
    h += "</td></tr>";
  }
  h += "</tbody></table></section>";
}

void incidents_section(std::string& h, const ReportModel& m, const std::map<std::string, size_t>& db_index) {
  h += "<section id=\"incidents\"><h2>Incidents</h2>";
  if (m.incidents.empty()) {
    h += "<p class=\"muted\">No incident in the databases" + std::string(m.since ? " since the time given" : "") + ".</p></section>";
    return;
  }
  h += "<table class=\"incidents\"><thead><tr><th>incident</th><th>status</th><th>observer</th><th>direction</th><th>peer</th>"
       "<th>signals</th><th>first seen (UTC)</th><th>last seen (UTC)</th><th>likeliest cause</th></tr></thead><tbody>";
  for (const auto& r : m.incidents) {
    const auto& i = r.incident;
    const auto& causes = r.diagnosis.diagnosis.causes;
    h += "<tr><td><a href=\"#" + anchor(db_index, r.db, i.id) + "\">" + escape_html(incident_label(db_index, r.db, i.id)) + "</a></td>";
    h += "<td class=\"status-" + std::string(to_string(i.status)) + "\">" + std::string(to_string(i.status)) + "</td>";
    h += "<td>" + escape_html(i.observer.empty() ? "?" : i.observer) + "</td><td>" + std::string(to_string(i.direction)) + "</td>";
    h += "<td>" + escape_html(peer_text(i)) + "</td><td class=\"num\">" + std::to_string(i.signal_count) + "</td>";
    h += "<td class=\"nowrap\">" + time_text(i.first_seen) + "</td><td class=\"nowrap\">" + time_text(i.last_seen) + "</td><td>";
    h += causes.empty() ? "<span class=\"muted\">-</span>"
                        : "<span class=\"cause\">" + escape_html(causes.front().cause) + "</span> " +
                              escape_html(causes.front().target + " " + confidence_text(causes.front().confidence));
    h += "</td></tr>";
  }
  h += "</tbody></table></section>";
}

void diagnosis_block(std::string& h, const StoredDiagnosis& d, int64_t incident_id) {
  h += "<h4>Diagnosis</h4>";
  if (d.run) h += "<p class=\"muted\">Probe run " + std::to_string(d.run->id) + " at " + time_text(d.run->started_at) + " UTC (" +
                  escape_html(d.run->status) + ").</p>";
  else if (!d.diagnosis.causes.empty()) h += "<p class=\"muted\">From the evidence itself; no probe run yet.</p>";
  if (d.diagnosis.causes.empty()) {
    h += d.run ? "<p>No cause found.</p>"
               : "<p>No probe run for this incident yet: <code>" + escape_html("authwatch probe --incident " + std::to_string(incident_id)) +
                     "</code> checks the causes now.</p>";
  } else {
    h += "<table class=\"causes\"><thead><tr><th>rank</th><th>cause</th><th>target</th><th>confidence</th><th>fix</th></tr></thead><tbody>";
    int rank = 0;
    for (const auto& c : d.diagnosis.causes) {
      h += "<tr><td class=\"num\">" + std::to_string(++rank) + "</td><td class=\"cause\">" + escape_html(c.cause) + "</td><td>" +
           escape_html(c.target) + "</td><td class=\"nowrap\"><span class=\"bar\" style=\"width:" +
           std::to_string(static_cast<int>(c.confidence * 60)) + "px\"></span>" + confidence_text(c.confidence) + "</td><td>" +
           escape_html(c.fix) + "</td></tr>";
    }
    h += "</tbody></table><ol class=\"why\">";
    for (const auto& c : d.diagnosis.causes)
      h += "<li>" + escape_html(c.summary) + " <span class=\"muted\">(KB step: " + escape_html(c.kb_step) + ")</span>" +
           cause_evidence(c.evidence) + "</li>";
    h += "</ol>";
  }
  if (!d.diagnosis.notes.empty()) {
    h += "<ul class=\"notes\">";
    for (const auto& n : d.diagnosis.notes)
      h += "<li>" + escape_html(n.kind + ": " + n.probe + (n.target.empty() ? "" : " " + n.target) + ": " + n.text) + "</li>";
    h += "</ul>";
  }
  h += "<h4>Findings</h4>";
  if (d.findings.empty()) {
    h += "<p class=\"muted\">No probe findings stored for this incident.</p>";
    return;
  }
  h += "<table class=\"findings\"><thead><tr><th>probe</th><th>target</th><th>status</th><th>summary</th></tr></thead><tbody>";
  for (const auto& f : d.findings) {
    const std::string st(to_string(f.status));
    h += "<tr><td>" + escape_html(f.probe) + "</td><td>" + escape_html(f.target) + "</td><td class=\"st-" + st + "\">" + st + "</td><td>" +
         escape_html(f.summary) + "</td></tr>";
  }
  h += "</tbody></table>";
}

void incident_section(std::string& h, const ReportIncident& r, const std::map<std::string, size_t>& db_index) {
  const auto& i = r.incident;
  h += "<section class=\"incident\" id=\"" + anchor(db_index, r.db, i.id) + "\">";
  h += "<h3>Incident " + escape_html(incident_label(db_index, r.db, i.id)) + " <span class=\"status-" + std::string(to_string(i.status)) +
       "\">" + std::string(to_string(i.status)) + "</span></h3>";
  h += "<p class=\"what\">" + escape_html(what_happened(i)) + "</p>";
  h += "<dl class=\"facts\"><dt>observer</dt><dd>" + escape_html(i.observer.empty() ? "?" : i.observer) + "</dd><dt>direction</dt><dd>" +
       std::string(to_string(i.direction)) + "</dd><dt>peer</dt><dd>" + escape_html(peer_text(i)) + "</dd><dt>signals</dt><dd>" +
       std::to_string(i.signal_count) + "</dd><dt>first seen</dt><dd>" + time_text(i.first_seen) + " UTC</dd><dt>last seen</dt><dd>" +
       time_text(i.last_seen) + " UTC</dd>";
  if (i.resolved_at) h += "<dt>resolved</dt><dd>" + time_text(*i.resolved_at) + " UTC (quiet period passed)</dd>";
  if (db_index.size() > 1) h += "<dt>database</dt><dd>" + escape_html(r.db) + "</dd>";
  h += "</dl>";

  h += "<figure>" + timeline_svg(i, r.signals, r.noise) + "<figcaption class=\"legend\"><span><i class=\"dot fault\"></i>fault</span>"
       "<span><i class=\"dot context\"></i>Kerberos context (System log)</span><span><i class=\"dot noise\"></i>noise from the same peer</span>"
       "<span>shaded: the incident</span>";
  std::map<std::string, int> kerberos;
  for (const auto& s : r.signals)
    if (s.signal.signal_class == SignalClass::Context)
      ++kerberos[s.signal.status + (s.signal.target_spn.empty() ? "" : " for " + s.signal.target_spn)];
  if (!kerberos.empty()) {
    std::string context = "Kerberos context: ";
    bool first = true;
    for (const auto& [what, n] : kerberos) {
      context += (first ? "" : "; ") + std::to_string(n) + " \xC3\x97 " + what;
      first = false;
    }
    h += "<br>" + escape_html(context);
  }
  h += "</figcaption></figure>";

  diagnosis_block(h, r.diagnosis, i.id);

  h += "<h4>Signals</h4><table class=\"signals\"><thead><tr><th>time (UTC)</th><th>class</th><th>source</th><th>status</th>"
       "<th>why</th><th>evidence</th></tr></thead><tbody>";
  constexpr size_t kListed = 30;
  size_t listed = 0;
  for (const auto& st : r.signals) {
    if (++listed > kListed) break;
    const auto& s = st.signal;
    const auto slash = st.source_location.find_last_of("/\\");
    const std::string file = slash == std::string::npos ? st.source_location : st.source_location.substr(slash + 1);
    h += "<tr><td class=\"nowrap\">" + escape_html(format_iso8601(s.time).substr(11, 12)) + "<br><span class=\"muted\">" +
         escape_html(format_iso8601(s.time).substr(0, 10)) + "</span></td><td>" + std::string(to_string(s.signal_class)) + "</td><td>" +
         escape_html(signal_source_lane(s)) + "<br><span class=\"muted\">" + escape_html(file + " " + st.source_locator) + "</span></td><td>" +
         escape_html(s.status) + "</td><td>" + escape_html(s.verdict) + "</td><td>" + signal_evidence(s) + "</td></tr>";
  }
  h += "</tbody></table>";
  const size_t more = (r.signals.size() > kListed ? r.signals.size() - kListed : 0) + r.signals_left_out;
  if (more) h += "<p class=\"muted\">" + escape_html(std::to_string(more) + " more signal(s): `authwatch show " + std::to_string(i.id) + "`") + "</p>";
  h += "</section>";
}

}  // namespace

std::string render_report_html(const ReportModel& m) {
  std::map<std::string, size_t> db_index;
  for (size_t n = 0; n < m.databases.size(); ++n) db_index.emplace(m.databases[n], n);
  size_t open_incidents = 0, open_links = 0;
  for (const auto& r : m.incidents) open_incidents += r.incident.status == IncidentStatus::Open;
  for (const auto& l : m.links) open_links += l.status == IncidentStatus::Open;

  std::string h;
  h.reserve(64 * 1024 + m.incidents.size() * 12 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += "<title>" + escape_html("AuthWatch report: " + std::to_string(m.incidents.size()) + " incident(s), " + std::to_string(m.links.size()) +
                               " link(s)") + "</title><style>";
  h += kStyle;
  h += "</style></head><body><header class=\"report-header\"><h1>AuthWatch report</h1>"
       "<p class=\"subtitle\">Exchange server-to-server authentication (Kerberos over X-EXPS, 454 4.7.0, event 1035): links, incidents, "
       "diagnoses</p><dl class=\"facts\">";
  h += "<dt>time range (UTC)</dt><dd>" +
       (m.from ? time_text(*m.from) + " \xE2\x80\x93 " + time_text(*m.to) : std::string("no incident")) +
       (m.since ? escape_html(" (incidents active since " + time_text(*m.since) + ")") : std::string()) + "</dd>";
  h += "<dt>servers</dt><dd>";
  if (m.servers.empty()) h += "<span class=\"muted\">none named by the evidence</span>";
  for (size_t i = 0; i < m.servers.size(); ++i) h += (i ? ", " : "") + escape_html(m.servers[i]);
  h += "</dd><dt>databases</dt><dd>";
  for (size_t i = 0; i < m.databases.size(); ++i) h += (i ? ", " : "") + escape_html(m.databases[i]);
  h += "</dd><dt>generated</dt><dd>" + time_text(m.generated) + " UTC by authwatch report</dd></dl>";
  h += "<div class=\"summary\"><div><b>" + std::to_string(open_incidents) + "</b>open incident(s)</div><div><b>" +
       std::to_string(m.incidents.size() - open_incidents) + "</b>resolved</div><div><b>" + std::to_string(open_links) +
       "</b>broken link(s) now</div><div><b>" + std::to_string(m.links.size()) + "</b>link(s) in all</div></div></header>";
  links_section(h, m, db_index);
  incidents_section(h, m, db_index);
  for (const auto& r : m.incidents) incident_section(h, r, db_index);
  h += "<footer>AuthWatch \xE2\x80\x94 every text from logs above is shown as text. Times are UTC.</footer></body></html>\n";
  return h;
}

}  // namespace authwatch::cli
