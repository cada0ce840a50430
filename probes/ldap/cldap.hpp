#pragma once
// Connectionless LDAP (CLDAP, UDP 389): the one request the ports probe sends to call UDP 389
// "open" only when a directory server really answered.
#include <cstdint>
#include <span>
#include <vector>

namespace authwatch::probes {

// An LDAPMessage carrying a rootDSE SearchRequest (base "", scope base, never deref, no limits,
// filter (objectClass=*), attribute dnsHostName), BER-encoded in DER form.
// Empty when the encoder fails.
std::vector<uint8_t> make_cldap_search(int message_id);

// True when `bytes` starts with an LDAPMessage carrying `message_id` and a SearchResultEntry
// (with its objectName) or a SearchResultDone (with its resultCode), every length within the
// datagram. A CLDAP server may send both messages in one datagram: only the first is judged.
bool is_cldap_reply(std::span<const uint8_t> bytes, int message_id);

}  // namespace authwatch::probes
