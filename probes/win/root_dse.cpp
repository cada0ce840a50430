// The rootDSE read anonymously with Wldap32 (Windows' LDAP client), the Windows twin of
// probes/ldap/root_dse.cpp (OpenLDAP). Same contract, except that Wldap32 has no cap on the
// size of one reply (OpenLDAP's LBER_SB_OPT_SET_MAX_INCOMING): the search asks for five
// attributes of one base entry with a size limit of 1, which bounds it in practice.
#include "probes/ldap/root_dse.hpp"

#include <windows.h>
#include <winldap.h>

#include <array>
#include <memory>

#include "platform/win/wide_text.hpp"

namespace authwatch::probes {
namespace {

using namespace std::chrono;

struct LdapUnbind {
  void operator()(LDAP* ld) const { ldap_unbind_s(ld); }
};
struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
struct ValuesFree {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapUnbind>;
using LdapMessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;
using LdapValues = std::unique_ptr<berval*, ValuesFree>;

LDAP_TIMEVAL to_timeval(milliseconds ms) {
  if (ms.count() < 1) ms = milliseconds{1};
  LDAP_TIMEVAL tv{};
  tv.tv_sec = static_cast<LONG>(ms.count() / 1000);
  tv.tv_usec = static_cast<LONG>((ms.count() % 1000) * 1000);
  return tv;
}

std::string url_for(const std::string& host, uint16_t port) {
  const bool ipv6_literal = host.find(':') != std::string::npos;
  return "ldap://" + (ipv6_literal ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string describe(LDAP* ld, ULONG rc) {
  std::string text = ldap_err2stringA(rc) ? ldap_err2stringA(rc) : "LDAP error " + std::to_string(rc);
  wchar_t* diagnostic = nullptr;
  if (ld && ldap_get_optionW(ld, LDAP_OPT_SERVER_ERROR, &diagnostic) == LDAP_SUCCESS && diagnostic) {
    if (*diagnostic) text += " (" + platform::win::narrow(diagnostic) + ")";
    ldap_memfreeW(diagnostic);
  }
  return text;
}

std::string first_value(LDAP* ld, LDAPMessage* entry, const char* attribute) {
  LdapValues values(ldap_get_values_lenA(ld, entry, const_cast<char*>(attribute)));
  if (!values || !values.get()[0]) return {};
  const berval* v = values.get()[0];
  return std::string(v->bv_val, v->bv_len);
}

}  // namespace

Result<RootDse> read_root_dse(const std::string& host, uint16_t port, milliseconds timeout) {
  const std::string url = url_for(host, port);
  const auto deadline = steady_clock::now() + timeout;
  auto fail = [&url](const std::string& what) { return Error{"LDAP rootDSE at " + url + ": " + what}; };
  try {
    LdapHandle ld(ldap_initA(const_cast<char*>(host.c_str()), port));
    if (!ld) return fail("bad address: " + describe(nullptr, LdapGetLastError()));

    ULONG version = LDAP_VERSION3;
    if (ldap_set_optionW(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_SUCCESS ||
        ldap_set_optionW(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_SUCCESS)
      return fail("cannot set LDAP options");

    // Connect first, so the search gets only what the connect left of the timeout.
    LDAP_TIMEVAL connect_timeout = to_timeval(timeout);
    ULONG rc = ldap_connect(ld.get(), &connect_timeout);
    if (rc != LDAP_SUCCESS) return fail("cannot connect: " + describe(ld.get(), rc));

    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return fail("no time left after connecting");
    LDAP_TIMEVAL search_timeout = to_timeval(left);
    std::array<char*, 6> attributes{const_cast<char*>("currentTime"), const_cast<char*>("dnsHostName"),
                                    const_cast<char*>("defaultNamingContext"), const_cast<char*>("configurationNamingContext"),
                                    const_cast<char*>("serverName"), nullptr};
    LDAPMessage* raw_result = nullptr;
    rc = ldap_search_ext_sA(ld.get(), const_cast<char*>(""), LDAP_SCOPE_BASE, const_cast<char*>("(objectClass=*)"),
                            attributes.data(), 0, nullptr, nullptr, &search_timeout, 1, &raw_result);
    LdapMessagePtr result(raw_result);
    if (rc != LDAP_SUCCESS) return fail("search failed: " + describe(ld.get(), rc));
    LDAPMessage* entry = ldap_first_entry(ld.get(), result.get());
    if (!entry) return fail("the server returned no rootDSE entry");

    RootDse dse;
    const std::string current_time = first_value(ld.get(), entry, "currentTime");
    if (!current_time.empty()) {
      dse.current_time = parse_generalized_time(current_time);
      if (!dse.current_time) return fail("currentTime '" + current_time + "' is not a GeneralizedTime");
    }
    dse.dns_host_name = first_value(ld.get(), entry, "dnsHostName");
    dse.default_naming_context = first_value(ld.get(), entry, "defaultNamingContext");
    dse.configuration_naming_context = first_value(ld.get(), entry, "configurationNamingContext");
    dse.server_name = first_value(ld.get(), entry, "serverName");
    return dse;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace authwatch::probes
