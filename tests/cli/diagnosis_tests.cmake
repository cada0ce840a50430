# The diagnosis in `show` (stored findings in a real SQLite database) and in `probe` (against the
# scripted Exchange peer on 127.0.0.1; POSIX, like the peer's other tests). No root needed.
target_sources(authwatch_cli_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/diagnosis_show_test.cpp)
if(NOT WIN32)
  # Boost.Process starts the peer; in Boost 1.74 it needs Boost.Filesystem.
  find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
  target_sources(authwatch_cli_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/diagnosis_probe_test.cpp)
  target_link_libraries(authwatch_cli_tests PRIVATE Boost::filesystem)
  target_include_directories(authwatch_cli_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests/peers)
  target_compile_definitions(authwatch_cli_tests PRIVATE AUTHWATCH_PEERS_DIR="${PROJECT_SOURCE_DIR}/tests/peers")
endif()
