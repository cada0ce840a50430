# directory probes and clients: rootDSE over LDAP (OpenLDAP libldap), CLDAP packets (the project's
# DER codec, every platform), DNS SRV discovery and DNS query packets (POSIX libresolv), and the "dns" probe.
target_sources(authwatch_probes PRIVATE
  dns_probe.cpp
  ldap/generalized_time.cpp
  ldap/cldap.cpp
)
if(WIN32)  # the same interfaces over DnsQuery_W and Wldap32
  include(${CMAKE_CURRENT_LIST_DIR}/win/directory_sources.cmake)
else()
  pkg_check_modules(LDAP REQUIRED IMPORTED_TARGET ldap lber)
  target_sources(authwatch_probes PRIVATE
    ldap/root_dse.cpp
    posix/dns_srv.cpp
  )
  target_link_libraries(authwatch_probes PRIVATE resolv PkgConfig::LDAP)
endif()
