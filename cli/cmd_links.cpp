// authwatch links: the broken links between servers, one row per directed pair (core/links.hpp),
// across one or more servers' databases.

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/fleet.hpp"
#include "cli/output.hpp"

namespace authwatch::cli {
namespace {

struct LinksOptions {
  std::vector<std::string> databases;
  std::string status = "all";
};

nlohmann::json link_json(const Link& l) {
  nlohmann::json incidents = nlohmann::json::array();
  for (const auto& r : l.incidents)
    incidents.push_back({{"db", r.db}, {"id", r.id}, {"direction", to_string(r.direction)}, {"observer", r.observer},
                         {"status", to_string(r.status)}});
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& c : l.causes)
    causes.push_back({{"cause", c.cause}, {"target", c.target}, {"confidence", c.confidence}, {"seen_by", c.seen_by},
                      {"db", c.db}, {"incident", c.incident}});
  return {{"from", l.from},
          {"to", l.to},
          {"context", l.context.empty() ? nlohmann::json(nullptr) : nlohmann::json(l.context)},
          {"status", to_string(l.status)},
          {"seen_by", l.seen_by},
          {"seen_by_sender", l.seen_by_from},
          {"seen_by_receiver", l.seen_by_to},
          {"incidents", incidents},
          {"first_seen", format_iso8601(l.first_seen)},
          {"last_seen", format_iso8601(l.last_seen)},
          {"causes", causes}};
}

void run_links(Context& ctx, const LinksOptions& opt) {
  auto fleet = open_fleet(ctx, opt.databases);
  if (fleet.empty()) return;
  std::vector<ObserverIdentity> observers;
  const auto evidence = link_evidence(fleet, observers);
  const bool people = ctx.format() == OutputFormat::Table;
  Rows rows{{"from", "to", "status", "seen by", "incidents", "first seen (UTC)", "last seen (UTC)", "causes"}, {}, /*details_from=*/7};
  nlohmann::json json = nlohmann::json::array();
  auto time = [&](TimePoint t) {
    std::string text = format_iso8601(t);
    if (people) {
      text = text.substr(0, 16);
      text[10] = ' ';
    }
    return text;
  };
  for (const auto& link : build_links(evidence, observers)) {
    if (opt.status != "all" && opt.status != to_string(link.status)) continue;
    std::string seen_by, incidents, causes;
    for (const auto& s : link.seen_by) seen_by += (seen_by.empty() ? "" : ", ") + s;
    for (const auto& r : link.incidents)
      incidents += (incidents.empty() ? "" : ", ") + (fleet.size() > 1 ? r.db + "#" : std::string()) + std::to_string(r.id);
    for (const auto& c : link.causes)
      causes += (causes.empty() ? "" : "; ") + c.cause + " " + c.target + " " + confidence_text(c.confidence) + " (" + c.seen_by + ")";
    rows.rows.push_back({link.from, link.to + (link.context.empty() ? "" : " (seen at " + link.context + ")"),
                         std::string(to_string(link.status)), seen_by, incidents, time(link.first_seen), time(link.last_seen),
                         causes.empty() ? "-" : causes});
    json.push_back(link_json(link));
  }
  write(ctx.out, ctx.format(), rows, json);
}

}  // namespace

Command add_links_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<LinksOptions>();
  auto* sub = app.add_subcommand(
      "links", "The broken links between servers: one row per directed pair (from failed to authenticate to to, or to rejected from), "
               "across one or more servers' databases");
  sub->add_option("--db", opt->databases,
                  "A server's database (repeatable: several servers' databases are read together; default: the global --db, "
                  "the config's or the default one)");
  sub->add_option("--status", opt->status, "open, resolved or all (default)")->check(CLI::IsMember({"open", "resolved", "all"}));
  add_format_option(*sub, ctx);
  sub->footer("A link is open while any incident behind it is. Peers are matched to the servers that observed them by address, "
              "FQDN or short name across all the databases given.");
  return {sub, [&ctx, opt] { run_links(ctx, *opt); }};
}

}  // namespace authwatch::cli
