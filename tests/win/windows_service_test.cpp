// service/win/windows_service.hpp: "not started by the Service Control Manager" is told by the
// Win32 code StartServiceCtrlDispatcherW failed with (Error::os), never by the message's text.
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "platform/win/win_error.hpp"
#include "service/win/windows_service.hpp"

#include <windows.h>

using namespace authwatch;
using platform::win::call_failed;

namespace {

TEST(WindowsService, NotStartedByTheScmIsToldByTheCode) {
  EXPECT_TRUE(service::started_from_console(call_failed("StartServiceCtrlDispatcherW", ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)));
  EXPECT_FALSE(service::started_from_console(call_failed("StartServiceCtrlDispatcherW", ERROR_ACCESS_DENIED)))
      << "another failure of the dispatcher is an error, not a console start";
  EXPECT_FALSE(service::started_from_console(Error{"StartServiceCtrlDispatcherW failed: (error 1063)"}))
      << "a message that reads like it carries no code";
}

}  // namespace
