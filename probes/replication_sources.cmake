# replication: the "replication" probe (docs/domain.md §7), its pure verdicts, and the two forms of a
# DC's inbound-neighbor state it decodes: repsFrom (MS-DRSR REPS_FROM, binary) and
# msDS-ReplAllInboundNeighbors (DS_REPL_NEIGHBOR XML, pugixml). Uses the Directory of ldap_sources.
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/replication_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replication_judge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap/reps_from.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap/repl_neighbor.cpp
)
target_link_libraries(authwatch_probes PRIVATE pugixml::pugixml)
