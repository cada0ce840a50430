# Windows backend of the service-ticket probe (included by probes/ticket_sources.cmake): SSPI's
# Kerberos package (secur32), the purge of one cached ticket through LSA, the status mapping and
# the kvno read from the GSS initial token.
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sspi_ticket.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sspi_status.cpp
  ${CMAKE_CURRENT_LIST_DIR}/initial_token.cpp
)
target_link_libraries(authwatch_probes PRIVATE secur32)
