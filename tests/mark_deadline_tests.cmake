# Included by a folder's deadline_tests.cmake, which ctest reads after the folder's suites are
# discovered. mark_deadline_tests(SUITE LABEL TEST...): each named test of the gtest suite SUITE
# asserts a wall-clock upper limit, so it runs alone (RUN_SERIAL), not under the load of `ctest -j`,
# with the labels LABEL and "deadline". A suite that was not built has no tests; one that was must
# have every test named (a renamed test would silently run under load again).
function(mark_deadline_tests suite label)
  foreach(test IN LISTS ARGN)
    list(FIND ${suite}_TESTS "${test}" at)
    if(at GREATER -1)
      set_tests_properties("${test}" PROPERTIES RUN_SERIAL TRUE LABELS "${label};deadline")
    elseif(${suite}_TESTS)
      message(WARNING "${CMAKE_CURRENT_LIST_FILE}: ${suite} has no test ${test}")
    endif()
  endforeach()
endfunction()
