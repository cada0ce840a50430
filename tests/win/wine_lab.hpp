#pragma once
// The Samba AD lab (tests/lab/adlab.sh, Linux network namespaces) as a test under Wine sees it:
// its DCs' addresses follow ADLAB_ID as on Linux, and it is usable when DC1 answers an anonymous
// rootDSE search. Bringing it up needs root on the Linux host: `ADLAB_ID=N tests/lab/adlab.sh up 1`
// and `fixtures`; scripts/test-windows.sh then hands Wine the lab's KRB5_CONFIG and KRB5CCNAME.
#include <windows.h>

#include <chrono>
#include <string>

#include "probes/ldap/root_dse.hpp"

namespace authwatch::test {

inline std::string env(const char* name) {
  char value[1024];
  const DWORD n = GetEnvironmentVariableA(name, value, sizeof value);
  return n > 0 && n < sizeof value ? std::string(value, n) : std::string();
}

inline int lab_id() {
  const std::string id = env("ADLAB_ID");
  return id.size() == 1 && id[0] >= '0' && id[0] <= '9' ? id[0] - '0' : 0;
}

// 198.18.(77+ADLAB_ID).1N for DC N; .99 is an address of the lab's subnet that no host answers.
inline std::string lab_ip(int host) { return "198.18." + std::to_string(77 + lab_id()) + "." + std::to_string(host); }
inline std::string dc_ip(int n = 1) { return lab_ip(10 + n); }

// The lab's files (/tmp/authwatch-lab-N, or ADLAB_DIR), as a Windows path on Wine's Z: drive.
inline std::string lab_dir() {
  std::string dir = env("ADLAB_DIR");
  if (dir.empty()) dir = lab_id() == 0 ? "/tmp/authwatch-lab" : "/tmp/authwatch-lab-" + std::to_string(lab_id());
  for (auto& c : dir)
    if (c == '/') c = '\\';
  return "Z:" + dir;
}

// Asked once per test process: a lab that is down costs the 2 s timeout once, not per test.
inline bool lab_available(std::string& why) {
  static const std::string missing = [] {
    auto dse = probes::read_root_dse(dc_ip(1), 389, std::chrono::milliseconds{2000});
    if (dse) return std::string();
    const std::string id = "ADLAB_ID=" + std::to_string(lab_id());
    return "the Samba lab is not up (" + id + ": " + dse.error() + "); as root on the Linux host: " + id +
           " tests/lab/adlab.sh up 1 && " + id + " tests/lab/adlab.sh fixtures, then " + id + " scripts/test-windows.sh";
  }();
  why = missing;
  return missing.empty();
}

}  // namespace authwatch::test
