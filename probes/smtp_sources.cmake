# smtp: the peer Exchange server's EHLO (X-EXPS, X-ANONYMOUSTLS), docs/domain.md §3.
target_sources(authwatch_probes PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/protocols/smtp_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/smtp_probe.cpp
)
