#include "probes/ldap/root_dse.hpp"

#include <ldap.h>
#include <sys/time.h>

#include <array>
#include <memory>

namespace authwatch::probes {
namespace {

using namespace std::chrono;

// The rootDSE is a few hundred bytes; anything this large is not one.
constexpr ber_len_t kMaxReplyBytes = 64 * 1024;

struct LdapUnbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
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

timeval to_timeval(milliseconds ms) {
  if (ms.count() < 1) ms = milliseconds{1};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string url_for(const std::string& host, uint16_t port) {
  const bool ipv6_literal = host.find(':') != std::string::npos;
  return "ldap://" + (ipv6_literal ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string describe(LDAP* ld, int rc) {
  std::string text = ldap_err2string(rc);
  char* diagnostic = nullptr;
  if (ld && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS && diagnostic) {
    if (*diagnostic) text += std::string(" (") + diagnostic + ")";
    ldap_memfree(diagnostic);
  }
  return text;
}

std::string first_value(LDAP* ld, LDAPMessage* entry, const char* attribute) {
  LdapValues values(ldap_get_values_len(ld, entry, attribute));
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
    LDAP* raw = nullptr;
    int rc = ldap_initialize(&raw, url.c_str());
    LdapHandle ld(raw);
    if (rc != LDAP_SUCCESS || !ld) return fail(std::string("bad address: ") + ldap_err2string(rc));

    const int version = LDAP_VERSION3;
    const timeval whole = to_timeval(timeout);
    if (ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &whole) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &whole) != LDAP_OPT_SUCCESS)
      return fail("cannot set LDAP options");

    // Connect first, so the search gets only what the connect left of the timeout.
    rc = ldap_connect(ld.get());
    if (rc != LDAP_SUCCESS) return fail("cannot connect: " + describe(ld.get(), rc));
    Sockbuf* sockbuf = nullptr;
    ber_len_t max_incoming = kMaxReplyBytes;
    if (ldap_get_option(ld.get(), LDAP_OPT_SOCKBUF, &sockbuf) != LDAP_OPT_SUCCESS || !sockbuf ||
        ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_SET_MAX_INCOMING, &max_incoming) != 1)
      return fail("cannot limit the reply size");

    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return fail("no time left after connecting");
    timeval search_timeout = to_timeval(left);
    std::array<char*, 6> attributes{const_cast<char*>("currentTime"), const_cast<char*>("dnsHostName"),
                                    const_cast<char*>("defaultNamingContext"), const_cast<char*>("configurationNamingContext"),
                                    const_cast<char*>("serverName"), nullptr};
    LDAPMessage* raw_result = nullptr;
    rc = ldap_search_ext_s(ld.get(), "", LDAP_SCOPE_BASE, "(objectClass=*)", attributes.data(), 0, nullptr, nullptr,
                           &search_timeout, 1, &raw_result);
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
  } catch (const std::exception& e) {  // std::bad_alloc from the strings: still a status, not a throw
    return fail(e.what());
  }
}

}  // namespace authwatch::probes
