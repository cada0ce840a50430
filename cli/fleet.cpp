#include "cli/fleet.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cli/exit_codes.hpp"
#include "cli/incident_diagnosis.hpp"

namespace authwatch::cli {

std::vector<FleetDatabase> open_fleet(Context& ctx, const std::vector<std::string>& given) {
  std::vector<std::string> paths = given;
  if (paths.empty()) {
    const std::string one = ctx.database_path();
    if (one.empty()) return {};  // the config was unusable (already said)
    paths.push_back(one);
  }
  std::vector<FleetDatabase> fleet;
  std::vector<std::string> seen;
  for (const auto& path : paths) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(path, ec).string();
    if (ec) canonical = path;
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;
    seen.push_back(canonical);
    const int before = ctx.exit_code;
    auto db = ctx.open_database_at(path, storage::Database::Mode::ReadOnly);
    if (!db) {
      ctx.exit_code = before == 0 || before == kPartialInput ? kPartialInput : before;
      continue;
    }
    fleet.push_back({path, std::move(db)});
  }
  if (fleet.empty() && ctx.exit_code == kPartialInput) ctx.exit_code = kFailure;  // nothing to read at all
  return fleet;
}

std::vector<ObserverIdentity> observers_in(storage::Store& store) {
  std::vector<ObserverIdentity> out;
  for (auto& [name, address] : store.observer_addresses()) out.push_back({name, {address}});
  const auto state = store.monitor_state();
  if (auto it = state.find("observer"); it != state.end()) {
    const auto me = nlohmann::json::parse(it->second.value, nullptr, /*allow_exceptions=*/false);
    if (me.is_object() && me.value("name", nlohmann::json("")).is_string()) {
      ObserverIdentity identity{me.value("name", std::string()), {}};
      if (me.contains("addresses") && me["addresses"].is_array())
        for (const auto& a : me["addresses"])
          if (a.is_string()) identity.addresses.push_back(a.get<std::string>());
      if (!identity.name.empty()) out.push_back(std::move(identity));
    }
  }
  return out;
}

std::vector<LinkEvidence> link_evidence(std::vector<FleetDatabase>& fleet, std::vector<ObserverIdentity>& observers) {
  std::vector<LinkEvidence> out;
  for (auto& member : fleet) {
    storage::Store store(*member.db);
    for (auto& o : observers_in(store)) observers.push_back(std::move(o));
    for (auto& incident : store.incidents(storage::IncidentFilter::All)) {
      storage::SignalQuery query;
      query.incident_id = incident.id;
      const auto diagnosed = latest_diagnosis(store, incident.id, store.signals(query));
      out.push_back({member.path, std::move(incident), diagnosed.diagnosis.causes});
    }
  }
  return out;
}

}  // namespace authwatch::cli
