#pragma once
// Runs the CLI in-process with captured streams, in a temporary folder of its own.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"

namespace authwatch::test {

// A file's bytes, and a file written with exactly these bytes (its folders created).
inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
inline void write_all(const std::filesystem::path& p, const std::string& s) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

struct CliResult {
  int code = 0;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("authwatch-cli-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "authwatch.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CliResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"authwatch", "--db", db_});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    CliResult r;
    r.code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // A copy of tests/data/<name> (file or folder) under this test's folder.
  std::filesystem::path copy_data(const std::string& name, const std::string& as = "") {
    auto from = std::filesystem::path(AUTHWATCH_TEST_DATA) / name;
    auto to = dir_ / (as.empty() ? from.filename().string() : as);
    std::filesystem::create_directories(to.parent_path());
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    return to;
  }

  std::filesystem::path dir_;
  std::string db_;
};

}  // namespace authwatch::test
