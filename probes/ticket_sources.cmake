# ticket: the service-ticket probe (SMTPSVC/<peer>), docs/domain.md §5. The KDC messages are carried by
# the probe (kdc_exchange, under its deadline); the Kerberos library builds them and the token:
# MIT krb5 + GSSAPI on POSIX (pkg-config krb5-gssapi, Debian libkrb5-dev).
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/service_ticket.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ticket_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protocols/kdc_exchange.cpp
)
if(NOT WIN32)
  pkg_check_modules(KRB5 REQUIRED IMPORTED_TARGET krb5-gssapi krb5)
  target_sources(authwatch_probes PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/posix/gss_ticket.cpp
    ${CMAKE_CURRENT_LIST_DIR}/posix/krb5_status.cpp
  )
  target_link_libraries(authwatch_probes PRIVATE PkgConfig::KRB5)
else()  # SSPI
  include(${CMAKE_CURRENT_LIST_DIR}/win/ticket_sources.cmake)
endif()
