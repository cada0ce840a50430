#pragma once
// LDAP search filter text (RFC 4515). Values put into a filter must be escaped: an SPN or host
// name holding '*', '(', ')' or '\' would otherwise change the filter's meaning.
#include <string>
#include <string_view>
#include <vector>

namespace authwatch::probes::ldap {

// '*' -> \2a, '(' -> \28, ')' -> \29, '\' -> \5c, NUL -> \00; every other byte as is.
std::string escape_filter_value(std::string_view value);

// "(attribute=<escaped value>)".
std::string equality_filter(std::string_view attribute, std::string_view value);

// "(|f1f2...)" over the given filters; a single filter stays as it is, none gives "".
std::string any_of(const std::vector<std::string>& filters);

}  // namespace authwatch::probes::ldap
