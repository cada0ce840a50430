# tests of the authenticated directory: the LDAP Directory (filter escaping, Entry; SASL GSSAPI,
# the global catalog, paging, timeouts against the Samba lab) and the "spn" and "connector"
# probes (pure verdicts, then each fault made for real in the lab and undone).
target_sources(authwatch_probes_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ldap_lab.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap_directory_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spn_probe_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connector_probe_test.cpp
)
