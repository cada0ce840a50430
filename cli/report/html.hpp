#pragma once
// HTML text for the report: everything from logs is hostile (an EHLO name can be "<script>..."), so
// every piece of text goes through escape_html, which also makes it valid UTF-8 and drops control
// characters. Attribute values are quoted with " and escaped the same way.
#include <string>
#include <string_view>

namespace authwatch::cli {

// & < > " ' escaped; invalid UTF-8 as U+FFFD; C0/C1 controls but tab and newline as U+FFFD.
std::string escape_html(std::string_view text);

// <tag class="..."> text </tag>, the text escaped.
std::string element(std::string_view tag, std::string_view text, std::string_view css_class = {});

}  // namespace authwatch::cli
