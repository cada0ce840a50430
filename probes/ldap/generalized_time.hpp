#pragma once
// LDAP GeneralizedTime (RFC 4517 §3.3.13), the syntax of rootDSE currentTime (a DC's clock) and of
// whenChanged. Portable and pure: both the OpenLDAP and the Wldap32 builds use it.
#include <optional>
#include <string_view>

#include "core/time.hpp"

namespace authwatch::probes {

// As AD writes it, "20240315100000.0Z": YYYYMMDDHH[MM[SS[(.|,)fraction]]] then Z or a
// +hh[mm]/-hh[mm] offset. Fractions beyond microseconds are truncated. nullopt when malformed or
// out of range.
std::optional<TimePoint> parse_generalized_time(std::string_view text);

}  // namespace authwatch::probes
