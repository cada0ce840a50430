# directory probes over authenticated LDAP: the Directory interface (probes/ldap/directory.hpp),
# its POSIX backend on OpenLDAP libldap with Cyrus SASL GSSAPI (MIT krb5 for the per-connection
# credential cache), and the "spn" and "connector" probes built on it.
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ldap/directory_entry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap/filter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap/dc_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spn_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connector_probe.cpp
)
if(NOT WIN32)  # Windows: win/ldap_directory.cpp over Wldap32
  pkg_check_modules(LDAP_SASL REQUIRED IMPORTED_TARGET ldap lber libsasl2 krb5-gssapi)
  target_sources(authwatch_probes PRIVATE ${CMAKE_CURRENT_LIST_DIR}/posix/ldap_directory.cpp)
  target_link_libraries(authwatch_probes PRIVATE PkgConfig::LDAP_SASL)
endif()
