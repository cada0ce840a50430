# Windows backends of the directory clients and the Kerberos LogLevel registry value (included by probes/directory_sources.cmake):
# SRV discovery through DnsQuery_W (dnsapi), the rootDSE and the Directory (probes/ldap/directory.hpp)
# through Wldap32 with crypt32 for a DC certificate checked against a CA file. OpenLDAP and
# libresolv are POSIX-only; CLDAP packets are the portable probes/ldap/cldap.cpp.
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/dns_srv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/root_dse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ldap_directory.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cert_trust.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kerberos_logging_registry.cpp
)
target_link_libraries(authwatch_probes PRIVATE dnsapi wldap32 crypt32 advapi32)
