#pragma once
// Test vectors written as hex ("30 82 01 0a ..."): spaces are ignored.
#include <cstdint>
#include <string>
#include <vector>

namespace authwatch::test {

inline std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : text)
    if (c != ' ') digits += c;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace authwatch::test
