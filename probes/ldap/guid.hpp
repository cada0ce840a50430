#pragma once
// GUIDs as AD stores them (objectGUID, REPS_FROM uuids): 16 bytes, the first three fields
// little-endian, shown as "633fa292-4b25-43fb-87df-70d60eb20c11" the way repadmin and Samba do.
#include <cstdio>
#include <string>
#include <string_view>

namespace authwatch::probes::ldap {

// "" unless `bytes` is exactly 16 bytes long.
inline std::string guid_text(std::string_view bytes) {
  if (bytes.size() != 16) return "";
  auto b = [&](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])); };
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b(3), b(2), b(1),
                b(0), b(5), b(4), b(7), b(6), b(8), b(9), b(10), b(11), b(12), b(13), b(14), b(15));
  return out;
}

}  // namespace authwatch::probes::ldap
