// run_command against real programs (/bin/sh, yes): output is bounded and valid UTF-8 (issue 12).
#include "service/command.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace authwatch::service;
using namespace std::chrono_literals;

// `yes` printed 1.75 GB in 8 s into an unbounded buffer: now it is killed at the limit and named.
TEST(Command, OutputOverTheLimitKillsTheCommandAndSaysSo) {
  auto r = run_command({"yes"}, 120s, nullptr, OutputLimits{1 << 20, 1 << 20});
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.timed_out) << "killed at the limit, not at the deadline";
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.output_over, "stdout");
  EXPECT_EQ(r.out.size(), 1u << 20) << "what it printed up to the limit is kept, no more";
  EXPECT_EQ(r.problem(), "output over 1048576 bytes on stdout (killed)");
}

TEST(Command, StderrHasItsOwnLimit) {
  auto r = run_command({"/bin/sh", "-c", "yes >&2"}, 120s, nullptr, OutputLimits{1 << 20, 8192});
  EXPECT_EQ(r.output_over, "stderr");
  EXPECT_EQ(r.err.size(), 8192u);
  EXPECT_EQ(r.problem(), "output over 8192 bytes on stderr (killed)");
}

TEST(Command, OutputWithinTheLimitIsAllThere) {
  auto r = run_command({"/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2"}, 120s, nullptr, OutputLimits{300000, 4096});
  ASSERT_TRUE(r.ok()) << r.problem();
  EXPECT_EQ(r.out, std::string(300000, 'x'));
  EXPECT_EQ(r.err, "done\n");
}

// A German Windows error message in Latin-1 on stderr: the problem text is shown (byte visible)
// and serialises as JSON; stdout's bad bytes become U+FFFD so its JSON still parses.
TEST(Command, OutputBecomesValidUtf8WhereItEnters) {
  auto r = run_command({"/bin/sh", "-c", "printf '[{\"Identity\":\"ex1\\\\\\\\Subm\\344\"}]'; printf 'Zugriff verweigert: \\374berpr\\374fen\\n' >&2; exit 1"},
                       120s);
  EXPECT_EQ(r.problem(), "exit code 1: Zugriff verweigert: \\xFCberpr\\xFCfen");
  const nlohmann::json as_json = {{"problem", r.problem()}, {"stderr", r.err}};
  EXPECT_NO_THROW((void)as_json.dump());
  auto parsed = nlohmann::json::parse(r.out);
  EXPECT_EQ(parsed[0]["Identity"], "ex1\\Subm\xEF\xBF\xBD");
}
