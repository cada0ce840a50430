// core/result.hpp: an Error's kind, its OS number and its message are three things, and Result<void>
// is ok or an Error.
#include "core/result.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace authwatch {
namespace {

TEST(Error, AMessageAloneIsUnclassifiedAndHasNoOsNumber) {
  const Error e{"something went wrong"};
  EXPECT_EQ(e.code, Errc::unclassified);
  EXPECT_TRUE(e.code) << "an unclassified failure is still a failure (error_code value 0 means none)";
  EXPECT_EQ(e.code.category().name(), std::string("authwatch"));
  EXPECT_FALSE(e.os) << "no OS call failed";
  EXPECT_EQ(e.message, "something went wrong");
}

TEST(Error, AKindAndAnOsNumberAreKeptApart) {
  const std::error_code denied(EACCES, std::generic_category());
  const Error e{Errc::os_call_failed, "open(x): Permission denied", denied};
  EXPECT_EQ(e.code, Errc::os_call_failed);
  EXPECT_NE(e.code, Errc::unclassified);
  EXPECT_EQ(e.os, denied);
  EXPECT_EQ(e.os, std::errc::permission_denied) << "the OS number compares with the portable condition";
  EXPECT_NE(e.os, std::errc::no_such_file_or_directory);
  EXPECT_EQ(e.code.message(), "an operating-system call failed");
}

Result<std::string> stat_file(bool fail) {
  if (fail) return Error{Errc::os_call_failed, "stat failed", std::error_code(ENOENT, std::generic_category())};
  return std::string("42 bytes");
}

TEST(Result, AValueOrAnErrorWithItsCodes) {
  const auto good = stat_file(false);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), "42 bytes");

  const auto bad = stat_file(true);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error(), "stat failed") << "error() stays the message, for the call sites that only show it";
  EXPECT_EQ(bad.code(), Errc::os_call_failed);
  EXPECT_EQ(bad.os_error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(bad.failure().message, "stat failed");
}

// A failure passed on with failure() keeps its codes; Error{r.error()} would keep only the text.
Result<std::string> read_config(bool fail) {
  if (fail) return Error{Errc::os_call_failed, "config.json: cannot open", std::error_code(EACCES, std::generic_category())};
  return std::string("{}");
}
Result<void> load(bool fail) {
  auto text = read_config(fail);
  if (!text) return text.failure();
  return {};
}

TEST(Result, VoidIsOkOrAnErrorAndPassesTheCodesOn) {
  const Result<void> ok = load(false);
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));

  const Result<void> failed = load(true);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), "config.json: cannot open");
  EXPECT_EQ(failed.code(), Errc::os_call_failed);
  EXPECT_EQ(failed.os_error(), std::errc::permission_denied);
}

TEST(Result, VoidFromAMessageOnly) {
  const Result<void> r = Error{"refused"};
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::unclassified);
  EXPECT_FALSE(r.os_error());
}

}  // namespace
}  // namespace authwatch
