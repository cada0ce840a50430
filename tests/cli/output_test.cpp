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

namespace {

size_t columns_of(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST(Output, ATableFitsOneHundredColumnsAndWrapsTheLongCellsWithNothingLost) {
  // A probe summary as `authwatch probe` prints it: 300+ characters in one cell.
  const std::string summary =
      "dc1.contoso.com answers on none of the 9 Kerberos/AD ports checked (88/tcp filtered, 88/udp filtered, 389/tcp "
      "filtered, 389/udp filtered, 464/tcp filtered, 636/tcp filtered, 3268/tcp filtered, 53/tcp filtered, 53/udp "
      "filtered): it is down, unreachable from this server, or no longer a domain controller; last answer 2024-03-15";
  ASSERT_GT(summary.size(), 300u);
  Rows rows{{"probe", "target", "status", "summary"}, {{"ports", "dc1.contoso.com", "fail", summary}, {"clock", "dc2", "ok", "+0.2 s"}}};
  std::ostringstream out;
  write_table(out, rows, 100);
  const auto lines = lines_of(out.str());
  ASSERT_GT(lines.size(), 4u) << "the long cell wraps onto more lines";
  for (const auto& line : lines) EXPECT_LE(columns_of(line), 100u) << line;
  // Every word of the summary is still there, in order.
  std::string joined;
  for (const auto& line : lines) joined += line + " ";
  size_t at = 0;
  std::istringstream words(summary);
  for (std::string word; words >> word;) {
    at = joined.find(word, at);
    ASSERT_NE(at, std::string::npos) << word;
  }
  std::ostringstream unlimited;
  write_table(unlimited, rows, 0);
  EXPECT_EQ(lines_of(unlimited.str()).size(), 4u) << "no limit: one line per row";
}

TEST(Output, ControlCharactersFromLogsAreShownNotSentToTheTerminal) {
  std::ostringstream out;
  write_table(out, {{"peer"}, {{"ex1\x1b[2J\x07.contoso.com\xc2\x9b"}}}, 0);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
  EXPECT_NE(out.str().find("ex1\\x1b[2J\\x07.contoso.com\\x9b"), std::string::npos) << out.str();
  EXPECT_EQ(printable("é ok"), "é ok") << "text is left alone";
}
