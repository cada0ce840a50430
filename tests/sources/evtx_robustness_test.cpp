// Every byte of an .evtx is hostile: hundreds of damaged copies of each test file (cut at many
// places, bits flipped, blocks overwritten — seeded, so every run reads the same variants) go
// through the reader's pure entry point. Each read must end, name the file and a place in every
// problem it reports, and deliver only events that carry what the mapping requires. Built with
// -fsanitize=address,undefined (clang) this is also the reader's memory-safety run, e.g.:
//   CC=clang-14 CXX=clang++-14 cmake -S . -B /tmp/build-asan -G Ninja
//     -DCMAKE_CXX_FLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined"
//     -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"   (one command)
//   cmake --build /tmp/build-asan --target authwatch_sources_tests
//   /tmp/build-asan/tests/sources/authwatch_sources_tests --gtest_filter='Evtx*'
// The reader's pure entry point for a fuzzer is evtx::read_evtx (sources/evtx/evtx_reader.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "sources/evtx/evtx_reader.hpp"
#include "tests/sources/temp_dir.hpp"

namespace authwatch::sources::evtx {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  size_t events = 0;
  size_t problems = 0;
};

Outcome check_read(const std::string& bytes, const std::string& label, const EventSelection* selection) {
  Outcome out;
  ReaderOptions options;
  options.location = label;
  options.selection = selection;
  auto result = read_evtx(
      Bytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), options,
      [&](TransportEvent&& e) {
        ++out.events;
        EXPECT_FALSE(e.provider.empty()) << label;
        EXPECT_EQ(e.location, label);
        EXPECT_EQ(e.locator.rfind("record ", 0), 0u) << label << ": " << e.locator;
        EXPECT_EQ(e.key.rfind("evt:", 0), 0u) << label << ": " << e.key;
        if (selection) {
          EXPECT_TRUE(selection->matches(e.provider, e.event_id)) << label;
        }
      },
      [&](ReadError&& e) {
        ++out.problems;
        EXPECT_EQ(e.location, label);
        EXPECT_FALSE(e.locator.empty()) << label;
        EXPECT_FALSE(e.reason.empty()) << label << ": " << e.locator;
      });
  if (!result) {
    // Only a file that is no .evtx at all (its signature or header hit) is refused.
    EXPECT_TRUE(bytes.size() < 128 || bytes.compare(0, 8, std::string("ElfFile\0", 8)) != 0) << label << ": " << result.error();
    return out;
  }
  const auto& stats = result.value();
  EXPECT_EQ(stats.delivered, out.events) << label;
  EXPECT_LE(stats.bad_records, stats.records) << label;
  EXPECT_LE(stats.delivered + stats.bad_records, stats.records) << label;
  return out;
}

std::vector<std::string> test_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(std::string(AUTHWATCH_TEST_DATA) + "/evtx"))
    if (entry.path().extension() == ".evtx") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(EvtxRobustness, TruncatedAndBitFlippedCopiesOfEveryFile) {
  std::mt19937_64 random(1035);
  const EventSelection rules = EventSelection::of(default_rules());
  size_t variants = 0, events = 0, problems = 0;
  for (const auto& path : test_files()) {
    const std::string original = testing::read_bytes(path);
    const std::string name = fs::path(path).filename().string();
    auto pick = [&](size_t n) { return static_cast<size_t>(random() % std::max<size_t>(n, 1)); };
    // The part of the file with content (empty chunk slots at the end add nothing).
    size_t used = original.size();
    while (used > 4096 && original[used - 1] == 0) --used;

    auto run = [&](const std::string& bytes, const std::string& what) {
      const std::string label = name + " " + what;
      auto outcome = check_read(bytes, label, variants % 3 == 0 ? &rules : nullptr);
      ++variants;
      events += outcome.events;
      problems += outcome.problems;
    };
    check_read(original, name, nullptr);
    for (size_t cut : {size_t{0}, size_t{7}, size_t{127}, size_t{128}, size_t{4095}, size_t{4096}, size_t{4096 + 511},
                       size_t{4096 + 512}, size_t{4096 + 65535}})
      if (cut < original.size()) run(original.substr(0, cut), "cut at " + std::to_string(cut));
    for (int i = 0; i < 8; ++i) {
      const size_t cut = pick(used);
      run(original.substr(0, cut), "cut at " + std::to_string(cut));
    }
    for (int i = 0; i < 16; ++i) {
      std::string bytes = original;
      const int flips = 1 + static_cast<int>(pick(64));
      for (int f = 0; f < flips; ++f) bytes[pick(used)] ^= static_cast<char>(1u << pick(8));
      run(bytes, "with " + std::to_string(flips) + " bit flips (variant " + std::to_string(i) + ")");
    }
    for (int i = 0; i < 4; ++i) {
      std::string bytes = original;
      const size_t at = pick(used), length = std::min<size_t>(512, bytes.size() - at);
      for (size_t b = 0; b < length; ++b) bytes[at + b] = static_cast<char>(random());
      run(bytes, "with bytes " + std::to_string(at) + "+512 overwritten");
    }
    {
      // Chunk headers kept, every record's bytes shuffled: the BinXML parser on pure noise.
      std::string bytes = original;
      for (size_t chunk = 4096; chunk + 65536 <= used; chunk += 65536)
        for (size_t b = chunk + 512; b < chunk + 65536; ++b) bytes[b] = static_cast<char>(random());
      run(bytes, "with noise for records");
    }
  }
  std::cout << "[ variants ] " << variants << " damaged copies read: " << events << " events, " << problems << " problems named\n";
  EXPECT_GT(variants, 400u);
  EXPECT_GT(events, 10000u) << "damage costs the records it hits, not the file";
  EXPECT_GT(problems, variants) << "and what it costs is reported";
}

}  // namespace
}  // namespace authwatch::sources::evtx
