// AD and Kerberos names into the forms setspn, repadmin and Set-ReceiveConnector take.
#include "core/ad_names.hpp"

#include <gtest/gtest.h>

using namespace authwatch;

TEST(AdNames, ParsesDnsWithEscapes) {
  auto rdns = parse_dn("CN=Smith\\, John,OU=Sales\\2CEU,DC=contoso,DC=com");
  ASSERT_EQ(rdns.size(), 4u);
  EXPECT_EQ(rdns[0], (std::pair<std::string, std::string>{"CN", "Smith, John"}));
  EXPECT_EQ(rdns[1].second, "Sales,EU");
  EXPECT_EQ(rdns[3], (std::pair<std::string, std::string>{"DC", "com"}));
  EXPECT_TRUE(parse_dn("").empty());
  EXPECT_EQ(first_rdn_value("not a dn"), "not a dn");
}

TEST(AdNames, ComputerAccountFromItsDn) {
  EXPECT_EQ(account_of_dn("CN=OLDHOST,CN=Computers,DC=contoso,DC=com"), "CONTOSO\\OLDHOST$");
  EXPECT_EQ(account_of_dn("cn=EX2,ou=Exchange Servers,dc=corp,dc=contoso,dc=com"), "CORP\\EX2$");
  EXPECT_EQ(account_of_dn("CN=svc-smtp,CN=Users,DC=contoso,DC=com"), "CONTOSO\\svc-smtp") << "user accounts have no $";
  EXPECT_EQ(netbios_domain_of_dn("CN=X,OU=Y"), "");
}

TEST(AdNames, DomainFromAHostName) {
  EXPECT_EQ(netbios_domain_of_fqdn("ex2.contoso.com"), "CONTOSO");
  EXPECT_EQ(netbios_domain_of_fqdn("ex2"), "");
  EXPECT_EQ(netbios_domain_of_fqdn("10.0.0.2"), "");
}

TEST(AdNames, ServerOfAReplicationSource) {
  EXPECT_EQ(server_of_dsa("CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=contoso,DC=com"), "DC1");
  EXPECT_EQ(server_of_dsa("6c2a5b1e-0000-4d1f-9e5a-111111111111._msdcs.contoso.com"), "6c2a5b1e-0000-4d1f-9e5a-111111111111._msdcs.contoso.com");
}

TEST(AdNames, ExchangeServerOfAReceiveConnector) {
  EXPECT_EQ(exchange_server_of_connector_dn("CN=Default EX2,CN=SMTP Receive Connectors,CN=Protocols,CN=EX2,CN=Servers,"
                                            "CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,"
                                            "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com"),
            "EX2");
  EXPECT_EQ(exchange_server_of_connector_dn("CN=X,DC=contoso,DC=com"), "");
}

TEST(AdNames, HostOfAnSpn) {
  EXPECT_EQ(spn_host("SMTPSVC/ex2.contoso.com"), "ex2.contoso.com");
  EXPECT_EQ(spn_host("SMTPSVC/ex2.contoso.com:25@CONTOSO.COM"), "ex2.contoso.com");
  EXPECT_EQ(spn_host("ldap/dc1.contoso.com/contoso.com"), "dc1.contoso.com");
  EXPECT_EQ(spn_host("host/[fe80::1]:25"), "fe80::1");
  EXPECT_EQ(spn_host("no-service-class"), "");
  EXPECT_EQ(short_host("ex2.contoso.com"), "ex2");
  EXPECT_EQ(short_host("10.0.0.2"), "10.0.0.2");
}
