#pragma once
// Substitution values (MS-EVEN6 2.2.18 "Type System"): their text as Windows renders it in event
// XML (EvtRender / `wevtutil qe /f:xml`), so a record read from an .evtx has the same fields as
// the same record exported as XML: GUIDs upper-case in braces, HexInt32/HexInt64 and size_t as
// unpadded lower-case "0x..", FILETIME with 7 fractional digits, binary as upper-case hex.
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "sources/evtx/bytes.hpp"

namespace authwatch::sources::evtx {

namespace value_type {
inline constexpr uint8_t kNull = 0x00;
inline constexpr uint8_t kString = 0x01;
inline constexpr uint8_t kAnsiString = 0x02;
inline constexpr uint8_t kInt8 = 0x03;
inline constexpr uint8_t kUInt8 = 0x04;
inline constexpr uint8_t kInt16 = 0x05;
inline constexpr uint8_t kUInt16 = 0x06;
inline constexpr uint8_t kInt32 = 0x07;
inline constexpr uint8_t kUInt32 = 0x08;
inline constexpr uint8_t kInt64 = 0x09;
inline constexpr uint8_t kUInt64 = 0x0a;
inline constexpr uint8_t kReal32 = 0x0b;
inline constexpr uint8_t kReal64 = 0x0c;
inline constexpr uint8_t kBool = 0x0d;
inline constexpr uint8_t kBinary = 0x0e;
inline constexpr uint8_t kGuid = 0x0f;
inline constexpr uint8_t kSizeT = 0x10;
inline constexpr uint8_t kFileTime = 0x11;
inline constexpr uint8_t kSysTime = 0x12;
inline constexpr uint8_t kSid = 0x13;
inline constexpr uint8_t kHexInt32 = 0x14;
inline constexpr uint8_t kHexInt64 = 0x15;
inline constexpr uint8_t kEvtHandle = 0x20;
inline constexpr uint8_t kBinXml = 0x21;
inline constexpr uint8_t kEvtXml = 0x23;
inline constexpr uint8_t kArray = 0x80;  // flag: an array of the type in the low 7 bits
}  // namespace value_type

// Appends UTF-16LE code units as UTF-8; an unpaired surrogate becomes U+FFFD. With
// `stop_at_nul` the text ends at the first NUL (strings in substitution values often carry
// their terminator).
void append_utf16(Bytes utf16, std::string& out, bool stop_at_nul);

// Appends a value's text; an array's items joined with ",".
// BinXml values have no text of their own (their elements are expanded by the caller).
void append_value_text(uint8_t type, Bytes value, std::string& out);

// An array value (a type with the kArray flag) as its items: how many, and one item's text.
// Windows writes an element whose content is an array substitution once per item.
size_t array_item_count(uint8_t type, Bytes value);
void append_array_item(uint8_t type, Bytes value, size_t item, std::string& out);

// The value of an integer-typed value (any width, signed types when not negative), for the
// System fields read as numbers; nullopt for any other type or size.
std::optional<uint64_t> value_as_unsigned(uint8_t type, Bytes value);

// A FILETIME value as a time point (microseconds; the 100 ns digit is dropped as parse_iso8601
// drops it); nullopt for another type or size.
std::optional<TimePoint> value_as_time(uint8_t type, Bytes value);

// "String", "UInt16", "BinXml", "array of GUID", "type 0x2f" — for error messages.
std::string value_type_name(uint8_t type);

}  // namespace authwatch::sources::evtx
