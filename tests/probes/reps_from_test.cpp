// The repsFrom decoder on values captured from the Samba lab (tests/data/ldap/PROVENANCE.tsv; the
// expected values are what Samba's own ndr_unpack printed for them), on Samba's NDR encoding of a
// version 2 value, and on truncated and damaged copies made here from those captures.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "core/nt_time.hpp"
#include "probes/ldap/reps_from.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;

std::string capture(const std::string& name) {
  std::ifstream in(std::string(AUTHWATCH_TEST_DATA) + "/ldap/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing test data ldap/" << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TimePoint unix_seconds(int64_t s) { return TimePoint{seconds{s}}; }

void put_u32(std::string& v, size_t at, uint32_t x) {
  for (size_t i = 0; i < 4; ++i) v[at + i] = static_cast<char>((x >> (8 * i)) & 0xff);
}

TEST(RepsFrom, DecodesAHealthyLinkCapturedOnDc1) {
  auto r = decode_reps_from(capture("repsFrom-dc1-domain-ok.bin"));
  ASSERT_TRUE(r) << r.error();
  const auto& v = r.value();
  EXPECT_EQ(v.version, 1u);
  EXPECT_EQ(v.consecutive_failures, 0u);
  EXPECT_EQ(v.last_success, unix_seconds(1795879392));  // 2026-11-28T15:23:12Z
  EXPECT_EQ(v.last_attempt, unix_seconds(1795879392));
  EXPECT_EQ(v.last_result, 0u);
  EXPECT_EQ(v.replica_flags, 0x64u);
  EXPECT_EQ(v.highest_usn, 3860u);
  EXPECT_EQ(v.source_dsa_guid, "633fa292-4b25-43fb-87df-70d60eb20c11");
  EXPECT_EQ(v.source_invocation_id, "05e1f2cc-1b1a-4117-8f29-9828d9a92c89");
  EXPECT_EQ(v.transport_guid, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(v.source_address, "633fa292-4b25-43fb-87df-70d60eb20c11._msdcs.lab.example");
  EXPECT_EQ(v.network_address, "");
}

TEST(RepsFrom, ANeverAttemptedLinkHasNoTimes) {
  auto r = decode_reps_from(capture("repsFrom-dc1-schema-never.bin"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value().last_success, std::nullopt);
  EXPECT_EQ(r.value().last_attempt, std::nullopt);
  EXPECT_EQ(r.value().consecutive_failures, 0u);
  EXPECT_EQ(r.value().source_invocation_id, "00000000-0000-0000-0000-000000000000");
}

TEST(RepsFrom, DecodesTheFailuresOfAnIsolatedDc) {
  auto r = decode_reps_from(capture("repsFrom-dc2-domain-failing-1232.bin"));
  ASSERT_TRUE(r) << r.error();
  const auto& v = r.value();
  EXPECT_EQ(v.consecutive_failures, 8u);
  EXPECT_EQ(v.last_result, 1232u);  // WERR_HOST_UNREACHABLE
  EXPECT_EQ(v.last_success, unix_seconds(1795879407));
  EXPECT_EQ(v.last_attempt, unix_seconds(1795879760));
  EXPECT_EQ(v.replica_flags, 0x74u);
  EXPECT_EQ(v.highest_usn, 4131u);
  EXPECT_EQ(v.source_dsa_guid, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95");
  EXPECT_EQ(v.source_invocation_id, "138385a3-7bfb-48f7-9018-43ec80b163b0");

  auto denied = decode_reps_from(capture("repsFrom-dc2-config-failing-5.bin"));
  ASSERT_TRUE(denied) << denied.error();
  EXPECT_EQ(denied.value().consecutive_failures, 1u);
  EXPECT_EQ(denied.value().last_result, 5u);  // WERR_ACCESS_DENIED
  EXPECT_EQ(denied.value().last_attempt, unix_seconds(1795879756));
  EXPECT_EQ(denied.value().highest_usn, 4132u);

  auto recovered = decode_reps_from(capture("repsFrom-dc2-domain-recovered.bin"));
  ASSERT_TRUE(recovered) << recovered.error();
  EXPECT_EQ(recovered.value().consecutive_failures, 0u);
  EXPECT_EQ(recovered.value().last_result, 0u);
  EXPECT_EQ(recovered.value().last_success, unix_seconds(1795879782));
  EXPECT_EQ(recovered.value().highest_usn, 4134u);
}

TEST(RepsFrom, DecodesVersion2WithItsUtf16Names) {
  auto r = decode_reps_from(capture("repsFrom-v2-samba-ndr.bin"));
  ASSERT_TRUE(r) << r.error();
  const auto& v = r.value();
  EXPECT_EQ(v.version, 2u);
  EXPECT_EQ(v.consecutive_failures, 8u);
  EXPECT_EQ(v.last_result, 1232u);
  EXPECT_EQ(v.last_success, unix_seconds(1795879407));
  EXPECT_EQ(v.last_attempt, unix_seconds(1795879760));
  EXPECT_EQ(v.highest_usn, 4131u);
  EXPECT_EQ(v.source_dsa_guid, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95");
  EXPECT_EQ(v.source_address, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95._msdcs.lab.example");
  EXPECT_EQ(v.network_address, "dc1.lab.example");
}

TEST(RepsFrom, EveryTruncationIsAnErrorNeverARead) {
  for (const char* name : {"repsFrom-dc1-domain-ok.bin", "repsFrom-v2-samba-ndr.bin"}) {
    const std::string full = capture(name);
    ASSERT_FALSE(full.empty());
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = decode_reps_from(std::string_view(full).substr(0, n));
      EXPECT_FALSE(r) << name << " cut to " << n << " bytes decoded";
    }
  }
}

TEST(RepsFrom, BytesBeyondCbAreIgnored) {
  auto r = decode_reps_from(capture("repsFrom-dc2-domain-failing-1232.bin") + std::string(16, '\xee'));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value().source_address, "2e98f0e7-58a0-4ae0-bdce-0362a9f26a95._msdcs.lab.example");
}

// Each damage is named in the error, so a bad value in the field can be told from a bug.
void expect_error(const std::string& value, const std::string& mentions) {
  auto r = decode_reps_from(value);
  ASSERT_FALSE(r) << "decoded although damaged (" << mentions << ")";
  EXPECT_NE(r.error().find(mentions), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("repsFrom"), std::string::npos) << r.error();
}

TEST(RepsFrom, DamagedVersion1ValuesAreRefusedWithTheFieldNamed) {
  const std::string good = capture("repsFrom-dc1-domain-ok.bin");
  ASSERT_EQ(good.size(), 268u);
  auto with = [&](size_t at, uint32_t x) {
    std::string v = good;
    put_u32(v, at, x);
    return v;
  };
  expect_error(with(0, 3), "version 3");
  expect_error(with(8, 269), "cb 269");
  expect_error(with(8, 100), "cb 100");
  expect_error(with(36, 100), "other DRA at offset 100");       // inside the fixed part
  expect_error(with(36, 300), "other DRA at offset 300");       // past the end
  expect_error(with(40, 61), "other DRA");                      // one byte too long
  expect_error(with(208, 57), "MTX_ADDR name length 57");       // name longer than its MTX_ADDR
  expect_error(with(40, 2), "MTX_ADDR) is 2 bytes");
  std::string control = good;
  control[220] = '\x07';
  expect_error(control, "not a DNS name");
}

TEST(RepsFrom, DamagedVersion2ValuesAreRefusedWithTheFieldNamed) {
  const std::string good = capture("repsFrom-v2-samba-ndr.bin");
  ASSERT_EQ(good.size(), 384u);
  constexpr size_t inst = 0xd8;  // cbOtherDraOffset of this value
  auto with = [&](size_t at, uint32_t x) {
    std::string v = good;
    put_u32(v, at, x);
    return v;
  };
  expect_error(with(inst, 0xa9), "DSA_RPC_INST cb 169");
  expect_error(with(inst + 4, 0xa8), "server offset 168");
  expect_error(with(inst + 4, 4), "server offset 4");  // pointing into its own header
  std::string unterminated = good;
  unterminated[good.size() - 2] = 'x';  // the instance name's NUL
  expect_error(unterminated, "instance is not NUL-terminated");
  std::string surrogate = good;
  surrogate[inst + 0x18] = '\x00';
  surrogate[inst + 0x19] = '\xd8';  // a high surrogate followed by an ASCII character
  expect_error(surrogate, "unpaired surrogate");
}

TEST(RepsFrom, RandomDamageNeverCrashesOrReadsOutOfBounds) {
  std::mt19937 rng(20261128);
  for (const char* name : {"repsFrom-dc2-domain-failing-1232.bin", "repsFrom-v2-samba-ndr.bin"}) {
    const std::string good = capture(name);
    for (int round = 0; round < 5000; ++round) {
      std::string v = good;
      for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips)
        v[rng() % v.size()] ^= static_cast<char>(1u << (rng() % 8));
      auto r = decode_reps_from(v);
      if (r) EXPECT_LE(r.value().source_address.size(), v.size());
      else EXPECT_FALSE(r.error().empty());
    }
  }
}

TEST(NtTime, ConvertsFiletimeAndDstime) {
  // 2026-11-28T15:23:12Z: the capture's DSTIME and the same instant as a FILETIME.
  EXPECT_EQ(from_dstime(1795879392ULL + 11644473600ULL), unix_seconds(1795879392));
  EXPECT_EQ(from_filetime((1795879392ULL + 11644473600ULL) * 10000000ULL + 1234567), unix_seconds(1795879392) + microseconds{123456});
  EXPECT_EQ(to_filetime(unix_seconds(1795879392)), (1795879392ULL + 11644473600ULL) * 10000000ULL);
  EXPECT_EQ(from_filetime(0), std::nullopt);
  EXPECT_EQ(from_filetime(0x7FFFFFFFFFFFFFFFULL), std::nullopt);  // AD's "never"
  EXPECT_EQ(from_dstime(0), std::nullopt);
  EXPECT_EQ(from_filetime(116444736000000000ULL), unix_seconds(0));
}

}  // namespace
}  // namespace authwatch::probes::ldap
