# smtp: parsing units plus conversations with the scripted Exchange peer (tests/peers/), all on
# 127.0.0.1, so they need no root. Boost.Process starts the peer; in Boost 1.74 it needs Boost.Filesystem.
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
target_sources(authwatch_probes_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/smtp_probe_test.cpp
)
target_link_libraries(authwatch_probes_tests PRIVATE Boost::filesystem)
target_compile_definitions(authwatch_probes_tests PRIVATE
  AUTHWATCH_PEERS_DIR="${PROJECT_SOURCE_DIR}/tests/peers")
