// Directory over OpenLDAP libldap (POSIX). The TCP connection is made here, under the timeout,
// and handed to libldap with ldap_init_fd() and a URL that names the DC's FQDN: with
// LDAP_OPT_X_SASL_NOCANON, SASL GSSAPI then asks for ldap/<fqdn> however the DC was given (an IP
// without reverse DNS would otherwise become ldap/<ip>, which no KDC knows). Every round trip
// is asynchronous plus ldap_result() with what is left of the timeout, so nothing waits forever.
#include "probes/ldap/directory.hpp"

#include <fcntl.h>
#include <gssapi/gssapi_krb5.h>
#include <ldap.h>
#include <netdb.h>
#include <openldap.h>  // ldap_init_fd, LDAP_PROTO_TCP
#include <poll.h>
#include <pthread.h>
#include <sasl/sasl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "probes/ldap/root_dse.hpp"

namespace authwatch::probes::ldap {
namespace {

using namespace std::chrono;
using Clock = steady_clock;

// Largest single LDAP message accepted; a page of directory entries is far smaller.
constexpr ber_len_t kMaxMessageBytes = 32 * 1024 * 1024;

// liblber writes with write(2): a DC that resets the connection would raise SIGPIPE and end the
// whole process. Blocked on this thread for the call; one raised meanwhile is consumed.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigpending(&before_);
    active_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~SigpipeBlocked() {
    if (!active_) return;
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&before_, SIGPIPE)) {
      const timespec zero{};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, old_{}, before_{};
  bool active_ = false;
};

// What is left of one step's time.
struct Budget {
  Clock::time_point end;
  milliseconds left() const {
    auto l = duration_cast<milliseconds>(end - Clock::now());
    return l.count() > 0 ? l : milliseconds{0};
  }
  bool spent() const { return left().count() <= 0; }
  timeval tv() const {
    auto ms = std::max<int64_t>(left().count(), 1);
    timeval t{};
    t.tv_sec = static_cast<time_t>(ms / 1000);
    t.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    return t;
  }
};

std::string bracketed(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

std::string ms_text(milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;

struct AddrinfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// ldap_err2string plus the diagnostic the server (or SASL) attached, e.g.
// "Local error (SASL(-1): generic failure: GSSAPI Error: ... (Server not found in Kerberos database))".
std::string describe(LDAP* ld, int rc, const char* server_text = nullptr) {
  std::string text = ldap_err2string(rc);
  std::string detail = server_text ? server_text : "";
  char* diagnostic = nullptr;
  if (detail.empty() && ld && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS && diagnostic) {
    detail = diagnostic;
    ldap_memfree(diagnostic);
  }
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\0')) detail.pop_back();  // AD ends with NUL
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

int result_code(LDAP* ld) {
  int rc = LDAP_OTHER;
  ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
  return rc;
}

// A connected TCP socket (blocking mode, as libldap expects), or why not, within the budget.
Result<int> tcp_connect(const std::string& host, uint16_t port, const Budget& budget) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (looks_like_ip(host) ? AI_NUMERICHOST : 0);
  addrinfo* raw = nullptr;
  const std::string port_text = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &raw); rc != 0)
    return Error{"cannot resolve " + host + ": " + gai_strerror(rc)};
  std::unique_ptr<addrinfo, AddrinfoFree> addresses(raw);
  std::string last = "no address for " + host;
  for (const addrinfo* ai = addresses.get(); ai; ai = ai->ai_next) {
    if (budget.spent()) break;
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int error = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        pollfd waiting{fd, POLLOUT, 0};
        int n = 0;
        do {
          n = poll(&waiting, 1, static_cast<int>(budget.left().count()));
        } while (n < 0 && errno == EINTR && !budget.spent());
        socklen_t len = sizeof error;
        if (n == 1) error = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 ? error : errno;
        else error = n == 0 ? ETIMEDOUT : errno;
      }
    }
    if (error == 0) {
      const int flags = fcntl(fd, F_GETFL);
      if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0) return fd;
      error = errno;
    }
    close(fd);
    last = error == ETIMEDOUT ? "no answer (filtered?)" : std::strerror(error);
  }
  if (budget.spent()) return Error{"TCP connect: no answer before the timeout (filtered?); last: " + last};
  return Error{"TCP connect: " + last};
}

// The Kerberos credential cache GSSAPI uses on this thread (MIT gss_krb5_ccache_name is
// per-thread), restored at the end of the scope.
class ThreadCcache {
 public:
  explicit ThreadCcache(const std::string& name) {
    if (name.empty()) return;
    OM_uint32 minor = 0;
    const char* previous = nullptr;
    if (gss_krb5_ccache_name(&minor, name.c_str(), &previous) != GSS_S_COMPLETE) {
      failed_ = true;
      return;
    }
    active_ = true;
    if (previous) previous_ = previous, had_previous_ = true;
  }
  ~ThreadCcache() {
    if (!active_) return;
    OM_uint32 minor = 0;
    gss_krb5_ccache_name(&minor, had_previous_ ? previous_.c_str() : nullptr, nullptr);
  }
  ThreadCcache(const ThreadCcache&) = delete;
  ThreadCcache& operator=(const ThreadCcache&) = delete;
  bool failed() const { return failed_; }

 private:
  std::string previous_;
  bool active_ = false, had_previous_ = false, failed_ = false;
};

// SASL asks for what it cannot find itself (GSSAPI: only the authorization identity, which
// stays empty = the ticket's principal). Nothing is ever prompted.
int sasl_defaults(LDAP*, unsigned, void*, void* prompts) {
  for (auto* p = static_cast<sasl_interact_t*>(prompts); p && p->id != SASL_CB_LIST_END; ++p) {
    const char* value = p->defresult ? p->defresult : "";
    p->result = value;
    p->len = static_cast<unsigned>(std::strlen(value));
  }
  return LDAP_SUCCESS;
}

// Waits for the whole response to `msgid` within the budget; abandons it on timeout.
Result<MessagePtr> await_response(LDAP* ld, int msgid, const Budget& budget, milliseconds allowed) {
  LDAPMessage* raw = nullptr;
  timeval tv = budget.tv();
  const int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &raw);
  MessagePtr response(raw);
  if (type == 0) {
    ldap_abandon_ext(ld, msgid, nullptr, nullptr);
    return Error{"no reply within " + ms_text(allowed)};
  }
  if (type < 0 || !response) return Error{describe(ld, result_code(ld))};
  return response;
}

// The result code and the server's diagnostic of a response.
std::string parse_outcome(LDAP* ld, LDAPMessage* response, int& code) {
  char* diagnostic = nullptr;
  code = LDAP_OTHER;
  const int rc = ldap_parse_result(ld, response, &code, nullptr, &diagnostic, nullptr, nullptr, 0);
  if (rc != LDAP_SUCCESS) code = rc;
  std::string text = describe(ld, code, diagnostic ? diagnostic : "");
  if (diagnostic) ldap_memfree(diagnostic);
  return text;
}

Result<void> start_tls(LDAP* ld, const SimpleBind& simple, const Budget& budget, milliseconds allowed) {
  const int demand = LDAP_OPT_X_TLS_DEMAND, new_context = 0;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
      (!simple.ca_file.empty() && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, simple.ca_file.c_str()) != LDAP_OPT_SUCCESS) ||
      ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context) != LDAP_OPT_SUCCESS)
    return Error{"cannot set up TLS" + (simple.ca_file.empty() ? std::string() : " with CA file " + simple.ca_file)};
  if (simple.starttls) {
    int msgid = 0;
    int rc = ldap_extended_operation(ld, LDAP_EXOP_START_TLS, nullptr, nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) return Error{"StartTLS: " + describe(ld, rc)};
    auto response = await_response(ld, msgid, budget, allowed);
    if (!response) return Error{"StartTLS: " + response.error()};
    int code = 0;
    std::string outcome = parse_outcome(ld, response.value().get(), code);
    if (code != LDAP_SUCCESS) return Error{"StartTLS refused: " + outcome};
  }
  // The handshake is bounded by LDAP_OPT_NETWORK_TIMEOUT (set to what is left).
  const timeval left = budget.tv();
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &left);
  if (int rc = ldap_install_tls(ld); rc != LDAP_SUCCESS) return Error{"TLS handshake: " + describe(ld, rc)};
  return {};
}

Result<void> simple_bind(LDAP* ld, const SimpleBind& simple, const Budget& budget, milliseconds allowed) {
  berval password{static_cast<ber_len_t>(simple.password.size()), const_cast<char*>(simple.password.data())};
  int msgid = 0;
  int rc = ldap_sasl_bind(ld, simple.dn.c_str(), LDAP_SASL_SIMPLE, &password, nullptr, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return Error{describe(ld, rc)};
  auto response = await_response(ld, msgid, budget, allowed);
  if (!response) return Error{response.error()};
  int code = 0;
  std::string outcome = parse_outcome(ld, response.value().get(), code);
  if (code != LDAP_SUCCESS) return Error{outcome};
  return {};
}

// The SASL GSSAPI exchange, as ldap_sasl_interactive_bind_s() does it, but with every wait
// bounded by the budget.
Result<void> gssapi_bind(LDAP* ld, const Budget& budget, milliseconds allowed) {
  LDAPMessage* response = nullptr;
  const char* mechanism = nullptr;
  int msgid = 0, rc = 0;
  for (;;) {
    rc = ldap_sasl_interactive_bind(ld, nullptr, "GSSAPI", nullptr, nullptr, LDAP_SASL_QUIET, sasl_defaults, nullptr, response,
                                    &mechanism, &msgid);
    ldap_msgfree(response);
    response = nullptr;
    if (rc != LDAP_SASL_BIND_IN_PROGRESS) break;
    timeval tv = budget.tv();
    const int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &response);
    if (type == 0) {
      ldap_abandon_ext(ld, msgid, nullptr, nullptr);
      return Error{"no reply within " + ms_text(allowed)};
    }
    if (type < 0 || !response) return Error{describe(ld, result_code(ld))};
  }
  if (rc != LDAP_SUCCESS) return Error{describe(ld, rc)};
  return {};
}

int scope_value(Scope scope) {
  switch (scope) {
    case Scope::Base: return LDAP_SCOPE_BASE;
    case Scope::OneLevel: return LDAP_SCOPE_ONELEVEL;
    case Scope::Subtree: return LDAP_SCOPE_SUBTREE;
  }
  return LDAP_SCOPE_SUBTREE;
}

Entry read_entry(LDAP* ld, LDAPMessage* message) {
  Entry entry;
  if (char* dn = ldap_get_dn(ld, message)) {
    entry.dn = dn;
    ldap_memfree(dn);
  }
  BerElement* ber = nullptr;
  for (char* name = ldap_first_attribute(ld, message, &ber); name; name = ldap_next_attribute(ld, message, ber)) {
    auto& list = entry.attributes[name];
    if (berval** values = ldap_get_values_len(ld, message, name)) {
      for (size_t i = 0; values[i]; ++i) list.emplace_back(values[i]->bv_val, values[i]->bv_len);
      ldap_value_free_len(values);
    }
    ldap_memfree(name);
  }
  if (ber) ber_free(ber, 0);
  return entry;
}

}  // namespace

struct Directory::Impl {
  std::string host;
  uint16_t port = 0;
  std::string where;  // "198.18.77.11:389 (dc1.lab.example)", for messages
  milliseconds timeout{};
  LDAP* ld = nullptr;

  ~Impl() {
    if (!ld) return;
    SigpipeBlocked sigpipe;
    ldap_unbind_ext_s(ld, nullptr, nullptr);  // closes the socket too
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
  if (options.negotiate_as) return fail("options", "negotiate_as is Windows-only: GSSAPI uses the ccache or client keytab");
  try {
    SigpipeBlocked sigpipe;
    const Budget budget{Clock::now() + options.timeout};
    const bool ldaps = options.simple && !options.simple->starttls;

    // The DC's FQDN names the Kerberos service (ldap/<fqdn>) and the TLS certificate.
    std::string fqdn = options.sasl_host;
    if (fqdn.empty()) {
      // The rootDSE is read in clear: LDAPS ports have theirs on the plain port beside them.
      const uint16_t plain_port = options.port == 636 ? 389 : options.port == 3269 ? 3268 : options.port;
      if (ldaps && plain_port == options.port) return fail("options", "LDAPS on port " + std::to_string(options.port) + " needs sasl_host (the DC's FQDN)");
      auto dse = read_root_dse(options.host, plain_port, budget.left());
      if (!dse) return fail("reading the DC's name from its rootDSE", dse.error());
      fqdn = dse.value().dns_host_name;
      if (fqdn.empty()) return fail("reading the DC's name from its rootDSE", "no dnsHostName; give the DC's FQDN (sasl_host)");
    }
    if (!iequals(fqdn, options.host)) where += " (" + fqdn + ")";

    auto fd = tcp_connect(options.host, options.port, budget);
    if (!fd) return fail("connect", fd.error());
    const std::string url = std::string(ldaps ? "ldaps://" : "ldap://") + bracketed(fqdn) + ":" + std::to_string(options.port);
    LDAP* raw = nullptr;
    if (int rc = ldap_init_fd(fd.value(), LDAP_PROTO_TCP, url.c_str(), &raw); rc != LDAP_SUCCESS || !raw) {
      close(fd.value());
      return fail("init " + url, ldap_err2string(rc));
    }
    auto impl = std::make_unique<Impl>();
    impl->ld = raw;
    impl->host = options.host;
    impl->port = options.port;
    impl->timeout = options.timeout;
    LDAP* ld = raw;

    const int version = LDAP_VERSION3;
    const timeval whole = budget.tv();
    Sockbuf* sockbuf = nullptr;
    ber_len_t max_incoming = kMaxMessageBytes;
    if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &whole) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &whole) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON) != LDAP_OPT_SUCCESS ||
        ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sockbuf) != LDAP_OPT_SUCCESS || !sockbuf ||
        ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_SET_MAX_INCOMING, &max_incoming) != 1)
      return fail("options", "cannot set the LDAP options");

    if (options.simple) {
      if (auto tls = start_tls(ld, *options.simple, budget, options.timeout); !tls)
        return fail(options.simple->starttls ? "StartTLS" : "TLS", tls.error());
      if (auto bound = simple_bind(ld, *options.simple, budget, options.timeout); !bound)
        return fail("simple bind as " + options.simple->dn, bound.error());
    } else {
      ThreadCcache ccache(options.ccache);
      if (ccache.failed()) return fail("bind", "cannot use the credential cache " + options.ccache);
      if (auto bound = gssapi_bind(ld, budget, options.timeout); !bound) {
        const char* env = std::getenv("KRB5CCNAME");
        const std::string cache = !options.ccache.empty() ? options.ccache : env ? std::string("KRB5CCNAME=") + env : "the default one";
        return fail("bind (SASL GSSAPI for ldap/" + fqdn + ")", bound.error() + "; credential cache: " + cache);
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
    SigpipeBlocked sigpipe;
    LDAP* ld = impl_->ld;
    const milliseconds allowed = request.timeout.count() > 0 ? request.timeout : impl_->timeout;
    std::vector<char*> attributes;
    for (const auto& a : request.attributes) attributes.push_back(const_cast<char*>(a.c_str()));
    attributes.push_back(nullptr);
    char** wanted = request.attributes.empty() ? nullptr : attributes.data();

    std::vector<Entry> entries;
    std::string cookie;  // the server's paged-results cookie; empty = first page / done
    for (bool first = true; first || !cookie.empty(); first = false) {
      const bool limited = request.size_limit > 0;
      if (limited && entries.size() >= request.size_limit) {
        // RFC 2696 §3: a page size of 0 with the cookie releases the server's paging state.
        berval c{static_cast<ber_len_t>(cookie.size()), cookie.data()};
        LDAPControl* release = nullptr;
        if (ldap_create_page_control(ld, 0, &c, 0, &release) == LDAP_SUCCESS) {
          LDAPControl* controls[] = {release, nullptr};
          int msgid = 0;
          if (ldap_search_ext(ld, request.base.c_str(), scope_value(request.scope), request.filter.c_str(), wanted, 0, controls,
                              nullptr, nullptr, LDAP_NO_LIMIT, &msgid) == LDAP_SUCCESS)
            ldap_abandon_ext(ld, msgid, nullptr, nullptr);
          ldap_control_free(release);
        }
        break;
      }
      size_t page_size = request.page_size;
      if (limited) page_size = std::min(page_size, request.size_limit - entries.size());
      berval c{static_cast<ber_len_t>(cookie.size()), cookie.data()};
      LDAPControl* page = nullptr;
      if (int rc = ldap_create_page_control(ld, static_cast<ber_int_t>(page_size), cookie.empty() ? nullptr : &c, 1, &page);
          rc != LDAP_SUCCESS)
        return fail("cannot build the paged results control: " + describe(ld, rc));
      LDAPControl* controls[] = {page, nullptr};
      int msgid = 0;
      int rc = ldap_search_ext(ld, request.base.c_str(), scope_value(request.scope), request.filter.c_str(), wanted, 0, controls,
                               nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
      ldap_control_free(page);
      if (rc != LDAP_SUCCESS) return fail(describe(ld, rc));
      const Budget budget{Clock::now() + allowed};
      auto response = await_response(ld, msgid, budget, allowed);
      if (!response) return fail(response.error());

      LDAPMessage* done = nullptr;
      for (LDAPMessage* m = ldap_first_message(ld, response.value().get()); m; m = ldap_next_message(ld, m)) {
        const int type = ldap_msgtype(m);
        if (type == LDAP_RES_SEARCH_ENTRY) entries.push_back(read_entry(ld, m));
        else if (type == LDAP_RES_SEARCH_RESULT) done = m;
        // LDAP_RES_SEARCH_REFERENCE: another naming context (e.g. DomainDnsZones under the domain);
        // not followed, as a GC search is what covers the forest.
      }
      if (!done) return fail("the reply has no search result");
      int code = LDAP_OTHER;
      char* diagnostic = nullptr;
      LDAPControl** response_controls = nullptr;
      rc = ldap_parse_result(ld, done, &code, nullptr, &diagnostic, nullptr, &response_controls, 0);
      std::string server_text = diagnostic ? diagnostic : "";
      if (diagnostic) ldap_memfree(diagnostic);
      std::unique_ptr<LDAPControl*, void (*)(LDAPControl**)> controls_owner(response_controls, ldap_controls_free);
      if (rc != LDAP_SUCCESS) return fail(describe(ld, rc));
      if (code == LDAP_NO_SUCH_OBJECT) return entries;  // a base that does not exist holds nothing
      if (code != LDAP_SUCCESS) return fail(describe(ld, code, server_text.c_str()));
      cookie.clear();
      if (LDAPControl* paged = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, response_controls, nullptr)) {
        ber_int_t estimate = 0;
        berval next{0, nullptr};
        if (ldap_parse_pageresponse_control(ld, paged, &estimate, &next) != LDAP_SUCCESS)
          return fail("the paged results response control is malformed");
        if (next.bv_val) {
          cookie.assign(next.bv_val, next.bv_len);
          ber_memfree(next.bv_val);
        }
      }
    }
    if (request.size_limit > 0 && entries.size() > request.size_limit) entries.resize(request.size_limit);
    return entries;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace authwatch::probes::ldap
