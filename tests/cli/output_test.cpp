#include "cli/output.hpp"

#include <sstream>

#include <gtest/gtest.h>

using namespace authwatch::cli;

TEST(Output, CsvQuotesPerRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("EX2\\Default EX2"), "EX2\\Default EX2");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(Output, TableAlignsColumnsByDisplayWidth) {
  std::ostringstream out;
  write_table(out, {{"id", "peer"}, {{"1", "10.0.0.1"}, {"12", "ex2"}}});
  EXPECT_EQ(out.str(), "id  peer\n--  --------\n1   10.0.0.1\n12  ex2\n");
  std::ostringstream utf8;
  write_table(utf8, {{"n", "x"}, {{"é", "1"}}});
  EXPECT_EQ(utf8.str(), "n  x\n-  -\né  1\n");
}
