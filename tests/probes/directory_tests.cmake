# tests of the directory probes: GeneralizedTime, CLDAP and DNS packets (hand-derived bytes),
# SRV answers from a scripted DNS server on 127.0.0.1, and the real Samba AD lab (tests/lab).
target_sources(authwatch_probes_tests PRIVATE
  generalized_time_test.cpp
  root_dse_test.cpp
  dns_srv_test.cpp
  cldap_test.cpp
  dns_probe_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/../lab/lab_env.cpp
)
target_include_directories(authwatch_probes_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/../lab)
target_compile_definitions(authwatch_probes_tests PRIVATE AUTHWATCH_LAB_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/../lab/adlab.sh")
