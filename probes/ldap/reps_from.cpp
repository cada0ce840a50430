#include "probes/ldap/reps_from.hpp"

#include "core/nt_time.hpp"
#include "probes/ldap/guid.hpp"

namespace authwatch::probes::ldap {
namespace {

constexpr size_t kHeader = 8;          // dwVersion, dwReserved0
constexpr size_t kFixedV1 = 208;       // through uuidTransportObj
constexpr size_t kFixedV2 = 216;       // + dwReserved2, ulPriority
constexpr size_t kRpcInstHeader = 20;  // DSA_RPC_INST: cb and four offsets

// Little-endian reads; callers have checked the bounds.
uint32_t u32(std::string_view v, size_t at) {
  uint32_t x = 0;
  for (size_t i = 0; i < 4; ++i) x |= static_cast<uint32_t>(static_cast<unsigned char>(v[at + i])) << (8 * i);
  return x;
}
uint64_t u64(std::string_view v, size_t at) { return u32(v, at) | (static_cast<uint64_t>(u32(v, at + 4)) << 32); }

Error malformed_reps_from(const std::string& what) { return Error{"repsFrom value malformed: " + what}; }

bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

// v1 MTX_ADDR {mtx_namelen, mtx_name[mtx_namelen]} — the name counts its terminating NUL.
Result<std::string> mtx_addr(std::string_view dra) {
  if (dra.size() < 4) return malformed_reps_from("the other DRA (MTX_ADDR) is " + std::to_string(dra.size()) + " bytes, under 4");
  const uint32_t len = u32(dra, 0);
  if (len > dra.size() - 4)
    return malformed_reps_from("MTX_ADDR name length " + std::to_string(len) + " exceeds its " + std::to_string(dra.size() - 4) + " bytes");
  std::string_view name = dra.substr(4, len);
  if (auto nul = name.find('\0'); nul != std::string_view::npos) name = name.substr(0, nul);
  if (!printable_ascii(name)) return malformed_reps_from("MTX_ADDR name is not a DNS name (non-ASCII or control bytes)");
  return std::string(name);
}

// A NUL-terminated UTF-16LE string at `offset` inside `inst` (0 = absent), as UTF-8.
Result<std::string> utf16z(std::string_view inst, uint32_t offset, const char* field) {
  if (offset == 0) return std::string();
  if (offset < kRpcInstHeader || offset >= inst.size())
    return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " offset " + std::to_string(offset) + " outside its " +
               std::to_string(inst.size()) + " bytes");
  std::string out;
  for (size_t at = offset;; at += 2) {
    if (at + 2 > inst.size()) return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " is not NUL-terminated");
    uint32_t c = static_cast<unsigned char>(inst[at]) | (static_cast<unsigned char>(inst[at + 1]) << 8);
    if (c == 0) break;
    if (c >= 0xD800 && c <= 0xDBFF) {  // high surrogate: needs its low half
      if (at + 4 > inst.size()) return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " ends inside a surrogate pair");
      uint32_t lo = static_cast<unsigned char>(inst[at + 2]) | (static_cast<unsigned char>(inst[at + 3]) << 8);
      if (lo < 0xDC00 || lo > 0xDFFF) return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " has an unpaired surrogate");
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      at += 2;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " has an unpaired surrogate");
    }
    if (c < 0x20) return malformed_reps_from(std::string("DSA_RPC_INST ") + field + " holds control characters");
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

}  // namespace

Result<RepsFrom> decode_reps_from(std::string_view value) {
  if (value.size() < kHeader) return malformed_reps_from(std::to_string(value.size()) + " bytes, shorter than its 8-byte header");
  RepsFrom r;
  r.version = u32(value, 0);
  if (r.version != 1 && r.version != 2) return malformed_reps_from("version " + std::to_string(r.version) + " (known: 1, 2)");
  const size_t fixed = r.version == 1 ? kFixedV1 : kFixedV2;
  if (value.size() < fixed)
    return malformed_reps_from(std::to_string(value.size()) + " bytes, shorter than the " + std::to_string(fixed) + " of a version " +
               std::to_string(r.version) + " REPS_FROM");
  const uint32_t cb = u32(value, 8);
  if (cb < fixed || cb > value.size())
    return malformed_reps_from("cb " + std::to_string(cb) + " does not fit the value (" + std::to_string(value.size()) + " bytes, fixed part " +
               std::to_string(fixed) + ")");
  value = value.substr(0, cb);  // anything past cb is not part of the structure

  r.consecutive_failures = u32(value, 12);
  r.last_success = from_dstime(u64(value, 16));
  r.last_attempt = from_dstime(u64(value, 24));
  r.last_result = u32(value, 32);
  r.replica_flags = u32(value, 44);
  r.highest_usn = u64(value, 152);
  r.source_dsa_guid = guid_text(value.substr(160, 16));
  r.source_invocation_id = guid_text(value.substr(176, 16));
  r.transport_guid = guid_text(value.substr(192, 16));

  const uint32_t dra_offset = u32(value, 36), dra_size = u32(value, 40);
  if (dra_offset < fixed || dra_offset > cb || dra_size > cb - dra_offset)
    return malformed_reps_from("the other DRA at offset " + std::to_string(dra_offset) + ", " + std::to_string(dra_size) +
               " bytes, is outside the variable part [" + std::to_string(fixed) + ", " + std::to_string(cb) + ")");
  const std::string_view dra = value.substr(dra_offset, dra_size);
  if (r.version == 1) {
    auto name = mtx_addr(dra);
    if (!name) return Error{name.error()};
    r.source_address = std::move(name).value();
    return r;
  }
  if (dra.size() < kRpcInstHeader) return malformed_reps_from("DSA_RPC_INST is " + std::to_string(dra.size()) + " bytes, under 20");
  const uint32_t inst_size = u32(dra, 0);
  if (inst_size < kRpcInstHeader || inst_size > dra.size())
    return malformed_reps_from("DSA_RPC_INST cb " + std::to_string(inst_size) + " does not fit its " + std::to_string(dra.size()) + " bytes");
  const std::string_view inst = dra.substr(0, inst_size);
  auto server = utf16z(inst, u32(inst, 4), "server");
  if (!server) return Error{server.error()};
  auto instance = utf16z(inst, u32(inst, 12), "instance");
  if (!instance) return Error{instance.error()};
  r.source_address = std::move(server).value();
  r.network_address = std::move(instance).value();
  return r;
}

}  // namespace authwatch::probes::ldap
