#pragma once
// Text encodings that exported files arrive in. Exchange writes UTF-8 (often with a BOM), but
// Windows PowerShell 5.1's `>` / Out-File writes UTF-16LE with a BOM, so readers of queue
// snapshots and event XML convert that to UTF-8 before parsing.
#include <optional>
#include <string>
#include <string_view>

namespace authwatch::sources {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
inline constexpr std::string_view kUtf16leBom = "\xFF\xFE";

bool has_utf8_bom(std::string_view bytes);
bool has_utf16le_bom(std::string_view bytes);

// UTF-16LE bytes (a leading BOM is dropped) as UTF-8; nullopt for an odd byte count or an
// unpaired surrogate.
std::optional<std::string> utf16le_to_utf8(std::string_view bytes);

// File content as UTF-8 without a BOM: UTF-16LE with a BOM is converted, a UTF-8 BOM is
// dropped, anything else is taken as UTF-8. nullopt when UTF-16LE content is malformed.
std::optional<std::string> decode_to_utf8(std::string_view bytes);

}  // namespace authwatch::sources
