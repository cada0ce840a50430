#include "cli/report/html.hpp"

namespace authwatch::cli {

std::string escape_html(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n': out += static_cast<char>(c); break;
        default:
          if (c < 0x20 || c == 0x7F) out += kReplacement;
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      if (len == 2) ok = c >= 0xC2 && !(c == 0xC2 && c1 < 0xA0);  // no overlong forms, no C1 controls
      if (len == 3) ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
      if (len == 4) ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::string element(std::string_view tag, std::string_view text, std::string_view css_class) {
  std::string out = "<";
  out += tag;
  if (!css_class.empty()) {
    out += " class=\"";
    out += escape_html(css_class);
    out += '"';
  }
  out += '>';
  out += escape_html(text);
  out += "</";
  out += tag;
  out += '>';
  return out;
}

}  // namespace authwatch::cli
