// msDS-ReplAllInboundNeighbors values (probes/ldap/repl_neighbor.cpp): one DS_REPL_NEIGHBOR XML
// document as a Windows DC returns it, parsed with pugixml.
#include "fuzz/fuzz_support.hpp"
#include "probes/ldap/repl_neighbor.hpp"

using namespace authwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto neighbor = probes::ldap::parse_repl_neighbor_xml(fuzz::as_text(data, size));
  if (neighbor) fuzz::require(!neighbor.value().naming_context.empty(), "a neighbor names its naming context");
  return 0;
}
