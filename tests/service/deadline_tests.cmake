# Read by ctest after this folder's suites are discovered (tests/CMakeLists.txt, authwatch_test).
# The test below asserts a wall-clock upper limit (a hanging command is killed at its 1 s timeout:
# each of its cases, two real runs of a command, ends within 6 s), so it runs alone (RUN_SERIAL),
# not under the load of `ctest -j`. `ctest -L deadline` lists or runs the deadline tests.
set(deadline_tests
  QueueMaintenanceTest.AMissingFailingHangingOrBabblingCommandIsAFindingAndAHealthAlertNotACrash
)
foreach(test IN LISTS deadline_tests)
  list(FIND authwatch_service_tests_TESTS "${test}" at)
  if(at GREATER -1)
    set_tests_properties("${test}" PROPERTIES RUN_SERIAL TRUE LABELS "service;deadline")
  elseif(authwatch_service_tests_TESTS)
    message(WARNING "tests/service/deadline_tests.cmake: authwatch_service_tests has no test ${test}")
  endif()
endforeach()
