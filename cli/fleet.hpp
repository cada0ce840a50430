#pragma once
// Several servers' databases read together (`links`, `report`): each opened read-only; one that
// cannot be opened is named on stderr (exit code 3) and the others are read.
#include <memory>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/links.hpp"
#include "storage/store.hpp"

namespace authwatch::cli {

struct FleetDatabase {
  std::string path;  // as given
  std::unique_ptr<storage::Database> db;
};

// The databases a command's own --db options name (repeatable), else the global --db, the config's
// or the default one. The same file named twice is read once.
std::vector<FleetDatabase> open_fleet(Context& ctx, const std::vector<std::string>& given);

// What a database knows about the servers that wrote it: the names its protocol logs' servers gave
// themselves with their addresses, and the monitor's own detected identity (monitor_state "observer").
std::vector<ObserverIdentity> observers_in(storage::Store& store);

// Every incident of the databases (status filter: all) with its latest diagnosis's causes.
std::vector<LinkEvidence> link_evidence(std::vector<FleetDatabase>& fleet, std::vector<ObserverIdentity>& observers);

}  // namespace authwatch::cli
