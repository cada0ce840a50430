#pragma once
// File identity for resumable positions: a hash of the file's first bytes. A growing log keeps
// its identity (the stored prefix length is re-hashed); a rotated or rewritten file does not.
#include <cstdint>
#include <string>

namespace authwatch::sources {

// "fnv1a64:<length>:<hex>" over the first min(size, 1024) bytes; "" when unreadable.
std::string file_fingerprint(const std::string& path);

// True when the file still starts with the bytes that `identity` fingerprinted.
bool fingerprint_matches(const std::string& path, const std::string& identity);

}  // namespace authwatch::sources
