# tests of the replication probe: the repsFrom decoder on values captured from the Samba lab (and
# truncated/damaged copies of them), DS_REPL_NEIGHBOR XML, the verdicts (pure), and the probe
# against the 2-DC lab (adlab.sh up 2 + fixtures; skipped with a message otherwise) with DC2
# isolated while EXCH01's SPN changes on DC1. lab_env.cpp comes from directory_tests.cmake.
target_sources(authwatch_probes_tests PRIVATE
  reps_from_test.cpp
  repl_neighbor_test.cpp
  replication_judge_test.cpp
  replication_probe_test.cpp
)
