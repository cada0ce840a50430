#pragma once
// Little-endian reads over untrusted bytes, and the CRC-32 the .evtx format checksums with.
// Callers check bounds before reading; Cursor does it for them and throws FormatError.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace authwatch::sources::evtx {

using Bytes = std::span<const uint8_t>;

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t load_u64(const uint8_t* p) {
  return static_cast<uint64_t>(load_u32(p)) | (static_cast<uint64_t>(load_u32(p + 4)) << 32);
}

// What is wrong with the bytes of one record (or one template): the record is reported with it
// and reading goes on with the next record. Thrown and caught inside sources/evtx only.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sequential reads in [pos, end) of a buffer whose offsets mean something (chunk offsets: names
// and templates are referred to by their offset from the chunk's start).
class Cursor {
 public:
  Cursor(Bytes data, size_t pos, size_t end) : data_(data), pos_(pos), end_(end > data.size() ? data.size() : end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return pos_ < end_ ? end_ - pos_ : 0; }
  bool at_end() const { return pos_ >= end_; }
  Bytes data() const { return data_; }

  uint8_t peek() const {
    need(1, "a token");
    return data_[pos_];
  }
  uint8_t u8(const char* what) {
    need(1, what);
    return data_[pos_++];
  }
  uint16_t u16(const char* what) {
    need(2, what);
    uint16_t v = load_u16(&data_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v = load_u32(&data_[pos_]);
    pos_ += 4;
    return v;
  }
  Bytes take(size_t n, const char* what) {
    need(n, what);
    Bytes out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(size_t n, const char* what) { take(n, what); }

 private:
  void need(size_t n, const char* what) const {
    if (remaining() < n)
      throw FormatError("cut short: " + std::string(what) + " at chunk byte " + std::to_string(pos_) + " needs " +
                        std::to_string(n) + " byte(s), " + std::to_string(remaining()) + " left");
  }

  Bytes data_;
  size_t pos_;
  size_t end_;
};

// CRC-32 as RFC 1952 defines it (the one zlib computes), continued from `crc` (0 to start).
uint32_t crc32(Bytes data, uint32_t crc = 0);

}  // namespace authwatch::sources::evtx
