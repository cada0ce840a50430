#pragma once
// The Samba AD lab (tests/lab/adlab.sh) as the probe tests see it: whether it is usable, and
// its commands (block/reject/unblock ports, restart a DC under libfaketime).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace authwatch::test {

// The lab's subnet follows ADLAB_ID (tests/lab/adlab.sh): 198.18.(77+ID).1N for DC N.
std::string dc_ip(int n = 1);
inline constexpr const char* realm = "LAB.EXAMPLE";
inline constexpr const char* domain = "lab.example";

// True only when running as root and DC1 answers an LDAP rootDSE search (the lab is up);
// otherwise `why` says what is missing, for GTEST_SKIP().
bool lab_available(std::string& why);

// Runs tests/lab/adlab.sh with `args` (shell words, e.g. "block 1 53") and returns its exit code
// (-1 when it could not be run or died by a signal).
int lab_cmd(const std::string& args);

// Removes DC1's block/reject rules when the test scope ends, whatever the test asserted.
struct UnblockDc1OnExit {
  UnblockDc1OnExit() = default;
  UnblockDc1OnExit(const UnblockDc1OnExit&) = delete;
  UnblockDc1OnExit& operator=(const UnblockDc1OnExit&) = delete;
  ~UnblockDc1OnExit() { lab_cmd("unblock 1"); }
};

// Sends one datagram to ip:port from a plain UDP socket and returns the first reply (at most
// 64 KiB), or nothing after `timeout`.
std::vector<uint8_t> udp_round_trip(const std::string& ip, uint16_t port, const std::vector<uint8_t>& request,
                                    std::chrono::milliseconds timeout);

}  // namespace authwatch::test
