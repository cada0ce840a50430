#pragma once
// Writes .evtx bytes for tests of the native reader: a file header, chunks with their checksums,
// templates and records in Binary XML (MS-EVEN6) — the structures libyal's EVTX document
// describes, put together by hand so each test holds exactly the case it is about (a value type,
// an optional Null, an array, a nested UserData value, a loop, a damaged size).
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "sources/evtx/bytes.hpp"

namespace authwatch::testing::evtx_builder {

using Buffer = std::vector<uint8_t>;

inline void put_u8(Buffer& b, uint8_t v) { b.push_back(v); }
inline void put_u16(Buffer& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
inline void put_u32(Buffer& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_u64(Buffer& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void set_u32(Buffer& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_utf16(Buffer& b, const std::u16string& s) {
  for (char16_t c : s) put_u16(b, static_cast<uint16_t>(c));
}
inline std::u16string u16(const std::string& ascii) { return std::u16string(ascii.begin(), ascii.end()); }

// --- substitution values --------------------------------------------------------------------

struct ValueBytes {
  uint8_t type = 0;
  Buffer bytes;
};
inline ValueBytes null_value() { return {0x00, {}}; }
inline ValueBytes string_value(const std::u16string& s, bool terminated = true) {
  ValueBytes v{0x01, {}};
  put_utf16(v.bytes, s);
  if (terminated) put_u16(v.bytes, 0);
  return v;
}
inline ValueBytes string_value(const std::string& ascii) { return string_value(u16(ascii)); }
inline ValueBytes u8_value(uint8_t n) { return {0x04, {n}}; }
inline ValueBytes u16_value(uint16_t n) {
  ValueBytes v{0x06, {}};
  put_u16(v.bytes, n);
  return v;
}
inline ValueBytes u64_value(uint64_t n) {
  ValueBytes v{0x0a, {}};
  put_u64(v.bytes, n);
  return v;
}
inline ValueBytes typed(uint8_t type, Buffer bytes) { return {type, std::move(bytes)}; }
// 2024-03-15T10:04:20.1234567Z and so on: 100 ns ticks since 1601.
inline ValueBytes filetime_value(uint64_t ticks) { return typed(0x11, [&] { Buffer b; put_u64(b, ticks); return b; }()); }
inline constexpr uint64_t kTicks20240315T100420 = 133549706601234567ULL;  // 2024-03-15T10:04:20.1234567Z

// --- templates and elements -----------------------------------------------------------------

struct Sub {  // a substitution token
  uint16_t index;
  uint8_t type;
  bool optional = false;
};
struct Text {
  std::string text;  // ASCII
};
struct CharRef {
  uint16_t code;
};
struct EntityRef {
  std::string name;
};
using Part = std::variant<Text, Sub, CharRef, EntityRef>;
struct Node;
using Item = std::variant<Node, Part>;
struct Attr {
  std::string name;
  std::vector<Part> value;
};
struct Node {
  std::string name;
  std::vector<Attr> attributes;
  std::vector<Item> content;
};

// One chunk being written: names and templates are written where first used and referred to by
// their chunk offset after that, as Windows writes them.
class Chunk {
 public:
  Chunk() : data_(512, 0) {}

  size_t pos() const { return data_.size(); }
  Buffer& data() { return data_; }

  void name(Buffer& at, size_t at_chunk_offset, const std::string& n) {
    auto it = names_.find(n);
    if (it != names_.end()) {
      put_u32(at, it->second);
      return;
    }
    const auto offset = static_cast<uint32_t>(at_chunk_offset + 4);
    names_[n] = offset;
    put_u32(at, offset);
    put_u32(at, 0);       // next name in the hash bucket
    put_u16(at, 0);       // hash (not checked by readers)
    put_u16(at, static_cast<uint16_t>(n.size()));
    put_utf16(at, u16(n));
    put_u16(at, 0);
  }

  // Writes `node` as BinXML tokens into `out`, which will sit at chunk offset `base`.
  void element(Buffer& out, size_t base, const Node& node, bool dependency_id) {
    const bool has_attributes = !node.attributes.empty();
    put_u8(out, has_attributes ? 0x41 : 0x01);
    if (dependency_id) put_u16(out, 0xFFFF);
    put_u32(out, 0);  // element size: not needed by the reader
    name(out, base + out.size(), node.name);
    if (has_attributes) {
      put_u32(out, 0);  // attribute list size
      for (size_t i = 0; i < node.attributes.size(); ++i) {
        put_u8(out, i + 1 < node.attributes.size() ? 0x46 : 0x06);
        name(out, base + out.size(), node.attributes[i].name);
        parts(out, base, node.attributes[i].value);
      }
    }
    if (node.content.empty()) {
      put_u8(out, 0x03);
      return;
    }
    put_u8(out, 0x02);
    for (const auto& item : node.content) {
      if (const auto* child = std::get_if<Node>(&item)) element(out, base, *child, dependency_id);
      else parts(out, base, {std::get<Part>(item)});
    }
    put_u8(out, 0x04);
  }

  void parts(Buffer& out, size_t base, const std::vector<Part>& parts) {
    for (const auto& part : parts) {
      if (const auto* text = std::get_if<Text>(&part)) {
        put_u8(out, 0x05);
        put_u8(out, 0x01);
        put_u16(out, static_cast<uint16_t>(text->text.size()));
        put_utf16(out, u16(text->text));
      } else if (const auto* sub = std::get_if<Sub>(&part)) {
        put_u8(out, sub->optional ? 0x0e : 0x0d);
        put_u16(out, sub->index);
        put_u8(out, sub->type);
      } else if (const auto* ref = std::get_if<CharRef>(&part)) {
        put_u8(out, 0x08);
        put_u16(out, ref->code);
      } else {
        put_u8(out, 0x09);
        name(out, base + out.size(), std::get<EntityRef>(part).name);
      }
    }
  }

  // A template instance (its definition inline the first time, by offset after that) with its
  // values, as the BinXML of a record or of a BinXml value that sits at chunk offset `base`.
  // `make_values(values_offset)` gives the `count` values; a nested BinXml value needs to know
  // the chunk offset it will sit at.
  template <class MakeValues>
  Buffer instance_with(size_t base, const std::string& template_name, const Node& body, size_t count,
                       MakeValues&& make_values, bool fragment_header = true) {
    Buffer out;
    if (fragment_header) out.insert(out.end(), {0x0f, 0x01, 0x01, 0x00});
    put_u8(out, 0x0c);
    put_u8(out, 0x01);
    put_u32(out, 0x1234);  // template identifier
    auto it = templates_.find(template_name);
    if (it != templates_.end()) {
      put_u32(out, it->second);
    } else {
      const auto offset = static_cast<uint32_t>(base + out.size() + 4);
      templates_[template_name] = offset;
      put_u32(out, offset);
      put_u32(out, 0);                        // next template in the bucket
      for (int i = 0; i < 16; ++i) put_u8(out, static_cast<uint8_t>(i));  // GUID
      const size_t size_at = out.size();
      put_u32(out, 0);
      const size_t body_start = out.size();
      out.insert(out.end(), {0x0f, 0x01, 0x01, 0x00});
      element(out, base, body, true);
      put_u8(out, 0x00);
      set_u32(out, size_at, static_cast<uint32_t>(out.size() - body_start));
    }
    put_u32(out, static_cast<uint32_t>(count));
    const std::vector<ValueBytes> values = make_values(base + out.size() + 4 * count);
    for (const auto& v : values) {
      put_u16(out, static_cast<uint16_t>(v.bytes.size()));
      put_u8(out, v.type);
      put_u8(out, 0);
    }
    for (const auto& v : values) out.insert(out.end(), v.bytes.begin(), v.bytes.end());
    return out;
  }

  Buffer instance(size_t base, const std::string& template_name, const Node& body, const std::vector<ValueBytes>& values,
                  bool fragment_header = true) {
    return instance_with(base, template_name, body, values.size(), [&](size_t) { return values; }, fragment_header);
  }

  // A record's own elements (no template): tokens without dependency identifiers.
  Buffer raw(size_t base, const Node& root) {
    Buffer out{0x0f, 0x01, 0x01, 0x00};
    element(out, base, root, false);
    put_u8(out, 0x00);
    return out;
  }

  // A record around BinXML that `make` writes for the record's data offset (chunk offset).
  template <class Make>
  void record(uint64_t number, Make&& make) {
    const size_t start = pos();
    Buffer binxml = make(start + 24);
    const auto size = static_cast<uint32_t>(24 + binxml.size() + 4);
    put_u32(data_, 0x00002a2a);
    put_u32(data_, size);
    put_u64(data_, number);
    put_u64(data_, kTicks20240315T100420);
    data_.insert(data_.end(), binxml.begin(), binxml.end());
    put_u32(data_, size);
    numbers_.push_back(number);
    last_record_ = start;
  }

  // A record from the standard test template (Event/System + EventData of `data` values).
  void event(uint64_t number, const std::string& template_name, const Node& body, const std::vector<ValueBytes>& values) {
    record(number, [&](size_t base) { return instance(base, template_name, body, values); });
  }

  // The chunk's 64 KiB with its header and checksums filled in.
  Buffer finish() {
    Buffer out = data_;
    const size_t free_space = out.size();
    out.resize(65536, 0);
    const uint8_t signature[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', 0};
    std::copy(signature, signature + 8, out.begin());
    auto set_u64 = [&](size_t at, uint64_t v) {
      for (int i = 0; i < 8; ++i) out[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
    };
    const uint64_t first = numbers_.empty() ? 0 : numbers_.front(), last = numbers_.empty() ? 0 : numbers_.back();
    set_u64(8, first);
    set_u64(16, last);
    set_u64(24, first);
    set_u64(32, last);
    set_u32(out, 40, 128);
    set_u32(out, 44, static_cast<uint32_t>(last_record_));
    set_u32(out, 48, static_cast<uint32_t>(free_space));
    set_u32(out, 52, sources::evtx::crc32(sources::evtx::Bytes(out.data() + 512, free_space - 512)));
    set_u32(out, 124, sources::evtx::crc32(sources::evtx::Bytes(out.data() + 128, 384),
                                           sources::evtx::crc32(sources::evtx::Bytes(out.data(), 120))));
    return out;
  }

 private:
  Buffer data_;
  std::map<std::string, uint32_t> names_;
  std::map<std::string, uint32_t> templates_;
  std::vector<uint64_t> numbers_;
  size_t last_record_ = 0;
};

// A file of the given chunks, with a sound header.
inline Buffer file_of(const std::vector<Buffer>& chunks) {
  Buffer out(4096, 0);
  const uint8_t signature[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};
  std::copy(signature, signature + 8, out.begin());
  auto set_u64 = [&](size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) out[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
  };
  set_u64(16, chunks.empty() ? 0 : chunks.size() - 1);
  set_u32(out, 32, 128);
  out[36] = 1;  // minor version
  out[38] = 3;  // major version
  out[40] = 0x00;
  out[41] = 0x10;  // header block size 4096
  out[42] = static_cast<uint8_t>(chunks.size());
  out[43] = static_cast<uint8_t>(chunks.size() >> 8);
  set_u32(out, 124, sources::evtx::crc32(sources::evtx::Bytes(out.data(), 120)));
  for (const auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  return out;
}

// Event/System as Windows' templates have it, EventData with the given <Data> nodes. Values:
// 0 provider (String), 1 qualifiers (UInt16, optional), 2 event id (UInt16), 3 level (UInt8),
// 4 time (FILETIME), 5 EventRecordID (UInt64), 6 channel (String), 7 computer (String).
inline Node event_template(std::vector<Item> event_data) {
  auto sub = [](uint16_t i, uint8_t t, bool optional = false) { return Item{Part{Sub{i, t, optional}}}; };
  Node system{"System",
              {},
              {Node{"Provider", {Attr{"Name", {Sub{0, 0x01}}}}, {}},
               Node{"EventID", {Attr{"Qualifiers", {Sub{1, 0x06, true}}}}, {sub(2, 0x06)}},
               Node{"Level", {}, {sub(3, 0x04)}},
               Node{"TimeCreated", {Attr{"SystemTime", {Sub{4, 0x11}}}}, {}},
               Node{"EventRecordID", {}, {sub(5, 0x0a)}},
               Node{"Channel", {}, {sub(6, 0x01)}},
               Node{"Computer", {}, {sub(7, 0x01)}}}};
  Node event{"Event",
             {Attr{"xmlns", {Text{"http://schemas.microsoft.com/win/2004/08/events/event"}}}},
             {system, Node{"EventData", {}, std::move(event_data)}}};
  return event;
}

inline std::vector<ValueBytes> system_values(const std::string& provider, uint16_t event_id, uint64_t record_id,
                                        const std::string& computer = "EX1.contoso.com",
                                        const std::string& channel = "Application", ValueBytes qualifiers = null_value()) {
  return {string_value(provider), std::move(qualifiers), u16_value(event_id), u8_value(3),
          filetime_value(kTicks20240315T100420), u64_value(record_id), string_value(channel), string_value(computer)};
}

}  // namespace authwatch::testing::evtx_builder
