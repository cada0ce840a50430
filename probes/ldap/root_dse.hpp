#pragma once
// The rootDSE of a directory server, read anonymously over LDAP (OpenLDAP libldap): AD's
// currentTime is the LDAP clock method, dnsHostName/naming contexts tell which DC answered.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"
#include "probes/ldap/generalized_time.hpp"  // currentTime's syntax

namespace authwatch::probes {

struct RootDse {
  std::optional<TimePoint> current_time;  // absent when the server does not publish currentTime
  std::string dns_host_name, default_naming_context, configuration_naming_context, server_name;
};

// Anonymous LDAPv3 base search of "" at ldap://host:port for currentTime, dnsHostName,
// defaultNamingContext, configurationNamingContext, serverName. Connect and search together
// take at most about `timeout`; no referrals are chased; a reply over 64 KiB is refused.
// Blocking: the caller runs it via run_blocking. Never throws.
Result<RootDse> read_root_dse(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace authwatch::probes
