# Read by ctest after this folder's suites are discovered (tests/CMakeLists.txt, authwatch_test).
# The test below asserts a wall-clock upper limit (a hanging command is killed at its 1 s timeout:
# each of its cases, two real runs of a command, ends within 6 s), so it runs alone (RUN_SERIAL),
# not under the load of `ctest -j`. `ctest -L deadline` lists or runs the deadline tests.
set(deadline_tests
  QueueMaintenanceTest.AMissingFailingHangingOrBabblingCommandIsAFindingAndAHealthAlertNotACrash
)
include(${CMAKE_CURRENT_LIST_DIR}/../mark_deadline_tests.cmake)
mark_deadline_tests(authwatch_service_tests service ${deadline_tests})
