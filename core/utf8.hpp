#pragma once
// The text boundary: bytes from outside (command output, file names) as valid UTF-8 before
// anything serialises them (nlohmann::json::dump throws on invalid UTF-8). A header of its own so
// the many users of core/text.hpp do not depend on it.
#include <string>
#include <string_view>

namespace authwatch {

// Text from outside (command output, file names) as valid UTF-8: each byte that is not part of a
// well-formed UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points past U+10FFFF) is
// replaced, never dropped. Replace::Visible writes it as "\xHH" (a Latin-1 "\xE4" stays readable
// and the name findable); Replace::Character writes U+FFFD, for text that is parsed further (JSON:
// a backslash would break it).
enum class InvalidUtf8 { Visible, Character };
std::string to_valid_utf8(std::string_view bytes, InvalidUtf8 replace = InvalidUtf8::Visible);
// The longest prefix of valid UTF-8 `text` of at most max_bytes that does not cut a character.
std::string_view utf8_prefix(std::string_view text, size_t max_bytes);
// Bytes from outside quoted in a message: at most about max_bytes of them, cut before a character
// the limit would split (stepping back at most 3 bytes), then made valid UTF-8 (to_valid_utf8).
std::string utf8_excerpt(std::string_view bytes, size_t max_bytes);

}  // namespace authwatch
