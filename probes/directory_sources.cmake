# directory probes and clients: rootDSE over LDAP and CLDAP packets (OpenLDAP libldap/liblber),
# DNS SRV discovery and DNS query packets (POSIX libresolv), and the "dns" probe.
pkg_check_modules(LDAP REQUIRED IMPORTED_TARGET ldap lber)
target_sources(authwatch_probes PRIVATE
  ldap/root_dse.cpp
  ldap/cldap.cpp
  dns_probe.cpp
)
if(NOT WIN32)
  target_sources(authwatch_probes PRIVATE posix/dns_srv.cpp)
  target_link_libraries(authwatch_probes PRIVATE resolv)
endif()
target_link_libraries(authwatch_probes PRIVATE PkgConfig::LDAP)
