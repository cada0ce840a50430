# ticket: the outcome vocabulary and verdict (pure), MIT's status codes, KDC entries, the real
# MIT library without credentials (no network); and the Samba lab: a real ticket, the accept
# side with EXCH01's keytab, SPN deleted, stale key, Kerberos blocked, KDC clock skewed.
find_package(PkgConfig REQUIRED)
pkg_check_modules(KRB5_TESTS REQUIRED IMPORTED_TARGET krb5)
target_sources(authwatch_probes_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ticket_probe_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ticket_lab_test.cpp
)
target_link_libraries(authwatch_probes_tests PRIVATE PkgConfig::KRB5_TESTS)
