// Directory over Wldap32 (Windows' LDAP client), the twin of probes/posix/ldap_directory.cpp.
//
// Bind: Negotiate (Kerberos, else NTLM) as the process's account — the machine account when
// AuthWatch runs as a service — or as ConnectOptions::negotiate_as, with signing and sealing
// required; or a simple bind over LDAPS/StartTLS when ConnectOptions::simple is set. Wldap32 names
// the Kerberos service after the host it connects to (ldap/<host>): a DC given by its FQDN gets
// Kerberos, one given by IP gets NTLM from Negotiate. sasl_host is used only as the name the DC's
// TLS certificate must carry; a ccache is refused (Windows keeps tickets in LSA).
//
// Paging uses the paged results control with ldap_search_ext + ldap_result, not Wldap32's
// ldap_search_init_page/ldap_get_next_page_s helpers, so that each page waits under our timeout
// (and because Wine 8's ldap_search_abandon_page crashes after a finished search).
//
// Deadlines: the TCP connect and the TLS handshake are bounded by ldap_connect's timeout, a simple
// bind and every search page by ldap_result's, and each search also carries the server-side time
// limit. Wldap32's Negotiate bind and StartTLS are synchronous calls without a timeout of their
// own: a DC that accepts the connection but never answers them holds the calling thread (the
// probe engine's blocking pool) until Wldap32's keep-alive gives up, while the probe's deadline
// still ends the probe on time (run_blocking).
#include "probes/ldap/directory.hpp"

// winsock2 before windows.h (Boost.Asio elsewhere in the library includes it first too).
#include <winsock2.h>
#include <windows.h>
#define SECURITY_WIN32
#include <rpc.h>  // SEC_WINNT_AUTH_IDENTITY_W
#include <winldap.h>
#include <winber.h>  // after winldap.h, which defines BerElement

#include <algorithm>

#include "platform/win/wide_text.hpp"
#include "probes/ldap/root_dse.hpp"
#include "probes/win/cert_trust.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;
using Clock = steady_clock;
using platform::win::narrow;
using platform::win::widen;

// What is left of one step's time.
struct Budget {
  Clock::time_point end;
  milliseconds left() const {
    auto l = duration_cast<milliseconds>(end - Clock::now());
    return l.count() > 0 ? l : milliseconds{0};
  }
  bool spent() const { return left().count() <= 0; }
  l_timeval tv() const {
    const auto ms = std::max<int64_t>(left().count(), 1);
    l_timeval t{};
    t.tv_sec = static_cast<LONG>(ms / 1000);
    t.tv_usec = static_cast<LONG>((ms % 1000) * 1000);
    return t;
  }
};

std::string bracketed(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

std::string ms_text(milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;
struct ControlFree {
  void operator()(LDAPControlW* c) const { ldap_control_freeW(c); }
};
struct ControlsFree {
  void operator()(LDAPControlW** c) const { ldap_controls_freeW(c); }
};
struct BervalFree {
  void operator()(berval* b) const { ber_bvfree(b); }
};
struct ValuesFree {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
struct WideFree {
  void operator()(wchar_t* text) const { ldap_memfreeW(text); }
};
using WideText = std::unique_ptr<wchar_t, WideFree>;

// ldap_err2string plus the diagnostic the server attached (AD: "8009030C: LdapErr: DSID-...").
std::string describe(LDAP* ld, ULONG rc, const std::string& server_text = "") {
  const char* text = ldap_err2stringA(rc);
  std::string out = text && *text ? text : "LDAP error " + std::to_string(rc);
  std::string detail = server_text;
  wchar_t* diagnostic = nullptr;
  if (detail.empty() && ld && ldap_get_optionW(ld, LDAP_OPT_SERVER_ERROR, &diagnostic) == LDAP_SUCCESS && diagnostic) {
    detail = narrow(diagnostic);
    ldap_memfreeW(diagnostic);
  }
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\0' || detail.back() == ' ')) detail.pop_back();
  if (!detail.empty()) out += " (" + detail + ")";
  return out;
}

// Waits for the whole response to `msgid` within the budget; abandons it on timeout.
Result<MessagePtr> await_response(LDAP* ld, ULONG msgid, const Budget& budget, milliseconds allowed) {
  LDAPMessage* raw = nullptr;
  l_timeval tv = budget.tv();
  const ULONG type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &raw);
  MessagePtr response(raw);
  if (type == 0) {
    ldap_abandon(ld, msgid);
    return Error{"no reply within " + ms_text(allowed)};
  }
  if (type == static_cast<ULONG>(-1) || !response) return Error{describe(ld, LdapGetLastError())};
  return response;
}

// The result code, server diagnostic and response controls of a response.
struct Outcome {
  ULONG code = LDAP_OTHER;
  std::string text;  // describe()d
  std::unique_ptr<LDAPControlW*, ControlsFree> controls;
};

Outcome parse_outcome(LDAP* ld, LDAPMessage* response) {
  Outcome o;
  ULONG code = LDAP_OTHER;
  wchar_t* matched = nullptr;
  wchar_t* diagnostic = nullptr;
  wchar_t** referrals = nullptr;
  LDAPControlW** controls = nullptr;
  const ULONG rc = ldap_parse_resultW(ld, response, &code, &matched, &diagnostic, &referrals, &controls, FALSE);
  o.controls.reset(controls);
  const std::string server_text = narrow(diagnostic);
  if (matched) ldap_memfreeW(matched);
  if (diagnostic) ldap_memfreeW(diagnostic);
  if (referrals) ldap_value_freeW(referrals);
  o.code = rc == LDAP_SUCCESS ? code : rc;
  o.text = describe(ld, o.code, server_text);
  return o;
}

// The CA file and name the TLS handshake on this thread checks the DC's certificate against
// (Wldap32's certificate callback gets only the connection), and what it found.
struct CertificateCheck {
  const std::string* ca_file = nullptr;
  const std::string* host = nullptr;
  std::string error;
};
thread_local CertificateCheck* current_check = nullptr;

// LDAP_OPT_SERVER_CERTIFICATE callback: TRUE accepts the certificate. It owns *certificate.
BOOLEAN __cdecl check_server_certificate(PLDAP, PCCERT_CONTEXT* certificate) {
  PCCERT_CONTEXT cert = certificate ? *certificate : nullptr;
  CertificateCheck* check = current_check;
  bool ok = false;
  if (!check) {
    ok = false;
  } else {
    auto verified = win::verify_server_certificate(cert, *check->ca_file, *check->host);
    ok = verified.ok();
    if (!ok) check->error = verified.error();
  }
  if (cert) CertFreeCertificateContext(cert);
  return ok ? TRUE : FALSE;
}

struct CheckScope {
  explicit CheckScope(CertificateCheck& check) { current_check = &check; }
  ~CheckScope() { current_check = nullptr; }
  CheckScope(const CheckScope&) = delete;
  CheckScope& operator=(const CheckScope&) = delete;
};

ULONG scope_value(Scope scope) {
  switch (scope) {
    case Scope::Base: return LDAP_SCOPE_BASE;
    case Scope::OneLevel: return LDAP_SCOPE_ONELEVEL;
    case Scope::Subtree: return LDAP_SCOPE_SUBTREE;
  }
  return LDAP_SCOPE_SUBTREE;
}

Entry read_entry(LDAP* ld, LDAPMessage* message) {
  Entry entry;
  if (WideText dn{ldap_get_dnW(ld, message)}) entry.dn = narrow(dn.get());
  BerElement* ber = nullptr;
  for (WideText name{ldap_first_attributeW(ld, message, &ber)}; name; name.reset(ldap_next_attributeW(ld, message, ber))) {
    auto& list = entry.attributes[narrow(name.get())];
    // Values as bytes: binary attributes (repsFrom, objectGUID) must not go through UTF-16.
    std::unique_ptr<berval*, ValuesFree> values(ldap_get_values_lenW(ld, message, name.get()));
    for (size_t i = 0; values && values.get()[i]; ++i) list.emplace_back(values.get()[i]->bv_val, values.get()[i]->bv_len);
  }
  if (ber) ber_free(ber, 0);
  return entry;
}

// Signing and sealing of the Negotiate session. Wldap32 on Windows supports both options; a client
// library that refuses them as unsupported (Wine's, whose SASL layer negotiates protection itself)
// is left to it: a DC that requires signing refuses an unsigned bind, which is then the error.
Result<void> require_sign_and_seal(LDAP* ld) {
  for (const auto& [option, name] : {std::pair{LDAP_OPT_SIGN, "LDAP_OPT_SIGN"}, std::pair{LDAP_OPT_ENCRYPT, "LDAP_OPT_ENCRYPT"}}) {
    const ULONG rc = ldap_set_optionW(ld, option, LDAP_OPT_ON);
    if (rc != LDAP_SUCCESS && rc != LDAP_NOT_SUPPORTED) return Error{std::string("cannot set ") + name + ": " + describe(ld, rc)};
  }
  return {};
}

Result<void> negotiate_bind(LDAP* ld, const NegotiateIdentity* as) {
  std::wstring user, domain, password;
  SEC_WINNT_AUTH_IDENTITY_W identity{};
  if (as) {
    user = widen(as->user);
    domain = widen(as->domain);
    password = widen(as->password);
    identity.User = reinterpret_cast<unsigned short*>(user.data());
    identity.UserLength = static_cast<unsigned long>(user.size());
    identity.Domain = reinterpret_cast<unsigned short*>(domain.data());
    identity.DomainLength = static_cast<unsigned long>(domain.size());
    identity.Password = reinterpret_cast<unsigned short*>(password.data());
    identity.PasswordLength = static_cast<unsigned long>(password.size());
    identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
  }
  // NULL credentials: the current logon session's (documented for LDAP_AUTH_NEGOTIATE).
  const ULONG rc = ldap_bind_sW(ld, nullptr, as ? reinterpret_cast<PWCHAR>(&identity) : nullptr, LDAP_AUTH_NEGOTIATE);
  SecureZeroMemory(password.data(), password.size() * sizeof(wchar_t));
  if (rc != LDAP_SUCCESS) return Error{describe(ld, rc)};
  return {};
}

Result<void> simple_bind(LDAP* ld, const SimpleBind& simple, const Budget& budget, milliseconds allowed) {
  std::wstring dn = widen(simple.dn), password = widen(simple.password);
  const ULONG msgid = ldap_simple_bindW(ld, dn.data(), password.data());
  SecureZeroMemory(password.data(), password.size() * sizeof(wchar_t));
  if (msgid == static_cast<ULONG>(-1)) return Error{describe(ld, LdapGetLastError())};
  auto response = await_response(ld, msgid, budget, allowed);
  if (!response) return Error{response.error()};
  Outcome outcome = parse_outcome(ld, response.value().get());
  if (outcome.code != LDAP_SUCCESS) return Error{outcome.text};
  return {};
}

}  // namespace

struct Directory::Impl {
  std::string host;
  uint16_t port = 0;
  std::string where;  // "198.18.77.11:389", for messages
  milliseconds timeout{};
  LDAP* ld = nullptr;

  ~Impl() {
    if (ld) ldap_unbind(ld);  // also closes the connection
  }
};

Directory::Directory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Directory::Directory(Directory&&) noexcept = default;
Directory& Directory::operator=(Directory&&) noexcept = default;
Directory::~Directory() = default;

const std::string& Directory::host() const { return impl_->host; }

Result<Directory> Directory::connect(const ConnectOptions& options) {
  std::string where = bracketed(options.host) + ":" + std::to_string(options.port);
  auto fail = [&where](const std::string& step, const std::string& what) { return Error{"LDAP " + where + ": " + step + ": " + what}; };
  if (options.host.empty()) return Error{"LDAP: no directory server given"};
  if (options.port == 0) return fail("options", "port 0");
  if (options.timeout.count() <= 0) return fail("options", "the timeout must be positive");
  if (options.simple && options.simple->dn.empty()) return fail("options", "simple bind without a DN");
  if (options.simple && options.negotiate_as) return fail("options", "both a simple bind and a Negotiate identity");
  if (!options.ccache.empty())
    return fail("options", "a Kerberos credential cache (" + options.ccache +
                               ") cannot be used on Windows: Negotiate uses this process's logon session, or negotiate_as");
  try {
    const Budget budget{Clock::now() + options.timeout};
    const bool tls = options.simple != nullptr;
    const bool ldaps = tls && !options.simple->starttls;
    const bool own_ca = tls && !options.simple->ca_file.empty();

    // The name the DC's certificate must carry, when the CA file (not Windows' store) decides.
    std::string fqdn = options.sasl_host;
    if (own_ca && fqdn.empty()) {
      if (!looks_like_ip(options.host)) {
        fqdn = options.host;
      } else {
        const uint16_t plain_port = options.port == 636 ? 389 : options.port == 3269 ? 3268 : options.port;
        if (ldaps && plain_port == options.port)
          return fail("options", "LDAPS on port " + std::to_string(options.port) + " needs sasl_host (the DC's FQDN)");
        auto dse = read_root_dse(options.host, plain_port, budget.left());
        if (!dse) return fail("reading the DC's name from its rootDSE", dse.error());
        fqdn = dse.value().dns_host_name;
        if (fqdn.empty()) return fail("reading the DC's name from its rootDSE", "no dnsHostName; give the DC's FQDN (sasl_host)");
      }
    }
    if (!fqdn.empty() && !iequals(fqdn, options.host)) where += " (" + fqdn + ")";

    std::wstring host = widen(options.host);
    LDAP* raw = ldaps ? ldap_sslinitW(host.data(), options.port, 1) : ldap_initW(host.data(), options.port);
    if (!raw) return fail("init", describe(nullptr, LdapGetLastError()));
    auto impl = std::make_unique<Impl>();
    impl->ld = raw;
    impl->host = options.host;
    impl->port = options.port;
    impl->timeout = options.timeout;
    LDAP* ld = raw;

    ULONG version = LDAP_VERSION3;
    if (ldap_set_optionW(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_SUCCESS ||
        ldap_set_optionW(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_SUCCESS)
      return fail("options", "cannot set the LDAP options: " + describe(ld, LdapGetLastError()));
    // A dropped connection is an error of this probe run, not something to reconnect to behind its
    // back (Wldap32 reconnects and rebinds by default, without a timeout). Wine lacks the option:
    // there it is left as it is.
    ldap_set_optionW(ld, LDAP_OPT_AUTO_RECONNECT, LDAP_OPT_OFF);
    CertificateCheck check;
    check.ca_file = tls ? &options.simple->ca_file : nullptr;
    check.host = &fqdn;
    if (own_ca) {
      if (ULONG rc = ldap_set_optionW(ld, LDAP_OPT_SERVER_CERTIFICATE, reinterpret_cast<void*>(&check_server_certificate)); rc != LDAP_SUCCESS)
        return fail("TLS", "cannot check the DC's certificate against " + options.simple->ca_file +
                               ": this LDAP client refuses a certificate callback (LDAP_OPT_SERVER_CERTIFICATE: " + describe(ld, rc) + ")");
    }
    CheckScope checking(check);

    // TCP, and for LDAPS the TLS handshake, within what is left.
    l_timeval connect_timeout = budget.tv();
    if (ULONG rc = ldap_connect(ld, &connect_timeout); rc != LDAP_SUCCESS) {
      if (!check.error.empty()) return fail("TLS", "the DC's certificate: " + check.error);
      const std::string why = rc == LDAP_TIMEOUT ? "no answer within " + ms_text(options.timeout) + " (filtered?)" : describe(ld, rc);
      return fail(ldaps ? "connect (TCP and TLS)" : "connect", why);
    }

    if (options.simple) {
      if (options.simple->starttls) {
        ULONG server_rc = 0;
        LDAPMessage* result = nullptr;
        const ULONG rc = ldap_start_tls_sW(ld, &server_rc, &result, nullptr, nullptr);
        MessagePtr owned(result);
        if (rc != LDAP_SUCCESS) {
          if (!check.error.empty()) return fail("StartTLS", "the DC's certificate: " + check.error);
          return fail("StartTLS", describe(ld, rc == LDAP_OTHER && server_rc ? server_rc : rc));
        }
      }
      if (auto bound = simple_bind(ld, *options.simple, budget, options.timeout); !bound)
        return fail("simple bind as " + options.simple->dn, bound.error());
    } else {
      if (auto sealed = require_sign_and_seal(ld); !sealed) return fail("options", sealed.error());
      if (auto bound = negotiate_bind(ld, options.negotiate_as.get()); !bound) {
        const std::string who = options.negotiate_as ? (options.negotiate_as->domain.empty() ? "" : options.negotiate_as->domain + "\\") +
                                                           options.negotiate_as->user
                                                     : "this process's account";
        return fail("bind (Negotiate as " + who + ")", bound.error());
      }
    }
    impl->where = where;
    return Directory(std::move(impl));
  } catch (const std::exception& e) {  // bad_alloc: still a status, never a throw
    return fail("connect", e.what());
  }
}

Result<std::vector<Entry>> Directory::search(const SearchRequest& request) {
  const std::string what = "search of \"" + request.base + "\" for " + request.filter;
  if (!impl_ || !impl_->ld) return Error{"LDAP: " + what + " on a closed connection"};
  auto fail = [this, &what](const std::string& text) { return Error{"LDAP " + impl_->where + ": " + what + ": " + text}; };
  if (request.page_size == 0) return fail("page size 0");
  try {
    LDAP* ld = impl_->ld;
    const milliseconds allowed = request.timeout.count() > 0 ? request.timeout : impl_->timeout;
    // The server's own time limit per page, in whole seconds, rounded up.
    const ULONG time_limit = static_cast<ULONG>((allowed.count() + 999) / 1000);
    std::wstring base = widen(request.base), filter = widen(request.filter);
    std::vector<std::wstring> names;
    for (const auto& a : request.attributes) names.push_back(widen(a));
    std::vector<PWCHAR> attributes;
    for (auto& n : names) attributes.push_back(n.data());
    attributes.push_back(nullptr);
    PWCHAR* wanted = request.attributes.empty() ? nullptr : attributes.data();

    // One search request with the paged results control (RFC 2696) carrying `cookie`.
    auto send_page = [&](size_t page_size, std::string& cookie, ULONG& msgid) -> Result<void> {
      berval c{static_cast<ULONG>(cookie.size()), cookie.data()};
      LDAPControlW* raw = nullptr;
      if (ULONG rc = ldap_create_page_controlW(ld, static_cast<ULONG>(page_size), &c, TRUE, &raw); rc != LDAP_SUCCESS)
        return Error{"cannot build the paged results control: " + describe(ld, rc)};
      std::unique_ptr<LDAPControlW, ControlFree> page(raw);
      LDAPControlW* controls[] = {page.get(), nullptr};
      if (ULONG rc = ldap_search_extW(ld, base.data(), scope_value(request.scope), filter.data(), wanted, 0, controls, nullptr,
                                      time_limit, 0, &msgid);
          rc != LDAP_SUCCESS)
        return Error{describe(ld, rc)};
      return {};
    };

    std::vector<Entry> entries;
    std::string cookie;  // the server's paged-results cookie; empty = first page / done
    for (bool first = true; first || !cookie.empty(); first = false) {
      const bool limited = request.size_limit > 0;
      if (limited && entries.size() >= request.size_limit) {
        // RFC 2696 §3: a page size of 0 with the cookie releases the server's paging state.
        ULONG msgid = 0;
        if (send_page(0, cookie, msgid)) ldap_abandon(ld, msgid);
        break;
      }
      size_t page_size = request.page_size;
      if (limited) page_size = std::min(page_size, request.size_limit - entries.size());
      ULONG msgid = 0;
      if (auto sent = send_page(page_size, cookie, msgid); !sent) return fail(sent.error());
      const Budget budget{Clock::now() + allowed};
      auto response = await_response(ld, msgid, budget, allowed);
      if (!response) return fail(response.error());
      LDAPMessage* all = response.value().get();
      for (LDAPMessage* e = ldap_first_entry(ld, all); e; e = ldap_next_entry(ld, e)) entries.push_back(read_entry(ld, e));
      // Search references (another naming context) are not followed, as on POSIX: a global
      // catalog search is what covers the forest.
      Outcome outcome = parse_outcome(ld, all);
      if (outcome.code == LDAP_NO_SUCH_OBJECT) return entries;  // a base that does not exist holds nothing
      if (outcome.code != LDAP_SUCCESS) return fail(outcome.text);
      cookie.clear();
      berval* next = nullptr;
      ULONG estimate = 0;
      const ULONG rc = outcome.controls ? ldap_parse_page_controlW(ld, outcome.controls.get(), &estimate, &next)
                                        : static_cast<ULONG>(LDAP_CONTROL_NOT_FOUND);
      std::unique_ptr<berval, BervalFree> owned(next);
      if (rc != LDAP_SUCCESS && rc != LDAP_CONTROL_NOT_FOUND) return fail("the paged results response control is malformed: " + describe(ld, rc));
      if (next && next->bv_val && next->bv_len > 0) cookie.assign(next->bv_val, next->bv_len);
    }
    if (request.size_limit > 0 && entries.size() > request.size_limit) entries.resize(request.size_limit);
    return entries;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace authwatch::probes::ldap
