#pragma once
// Names as Active Directory and Kerberos write them, turned into the forms an administrator types
// (setspn, repadmin, Set-ReceiveConnector). Pure text; nothing is looked up.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authwatch {

// "CN=Smith\, J,OU=X,DC=contoso,DC=com" -> {{"CN","Smith, J"},{"OU","X"},{"DC","contoso"},{"DC","com"}}.
// RFC 4514 escapes (\, \+ \" \\ \<hex><hex>) are undone; types keep their case.
std::vector<std::pair<std::string, std::string>> parse_dn(std::string_view dn);

// The value of the first RDN ("CN=EX2,CN=Computers,..." -> "EX2"); the input when it is not a DN.
std::string first_rdn_value(std::string_view dn);

// The pre-Windows 2000 domain name as setspn expects it. AD's default NetBIOS name is the first
// label of the DNS domain, upper-cased (it can differ when an administrator chose another at
// promotion time; the DN is then shown beside the command). "" when the DN has no DC= part.
std::string netbios_domain_of_dn(std::string_view dn);
// The same from a host FQDN: "ex2.contoso.com" -> "CONTOSO"; "" for a single-label name.
std::string netbios_domain_of_fqdn(std::string_view fqdn);

// "DOMAIN\NAME$" for the computer account whose DN is given (the $ is the computer account's
// sAMAccountName suffix). Accounts in the Users container are user accounts and get no $.
std::string account_of_dn(std::string_view dn);

// Source DSA "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Site,CN=Sites,CN=Configuration,..." -> "DC1";
// the input when it is not such a DN (a DSA GUID, a host name).
std::string server_of_dsa(std::string_view dsa);

// Receive connector "CN=Default EX2,CN=SMTP Receive Connectors,CN=Protocols,CN=EX2,CN=Servers,..." -> "EX2"; "" when absent.
std::string exchange_server_of_connector_dn(std::string_view dn);

// "SMTPSVC/ex2.contoso.com:25@CONTOSO.COM" -> "ex2.contoso.com"; "" when there is no service class.
std::string spn_host(std::string_view spn);
// "ex2.contoso.com" -> "ex2"; "10.0.0.2" stays whole.
std::string short_host(std::string_view host);

}  // namespace authwatch
