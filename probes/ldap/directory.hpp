#pragma once
// One LDAP interface for the directory probes (docs/domain.md §6–§8): an authenticated connection to
// one DC (389) or global catalog (3268), searched with paged results, every step under a timeout.
// POSIX backend: OpenLDAP libldap (posix/ldap_directory.cpp) with SASL GSSAPI from the usual
// Kerberos environment, or a simple bind over LDAPS/StartTLS when configured (Samba refuses plain
// simple binds). Windows backend: Wldap32 (win/ldap_directory.cpp), Negotiate as the machine
// account with signing and sealing. Blocking: probes call it through run_blocking().
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/text.hpp"

namespace authwatch::probes::ldap {

struct SimpleBind {
  std::string dn;        // e.g. "CN=svc-authwatch,CN=Users,DC=contoso,DC=com" or "svc@contoso.com"
  std::string password;
  bool starttls = false;  // false: LDAPS (port 636/3269); true: StartTLS on 389/3268
  // PEM file of the CA(s) that issued the DC's certificate ("" = the system's trust, ldap.conf
  // TLS_CACERT). The certificate is always verified, against the DC's FQDN.
  std::string ca_file;
};

// Windows (Wldap32) only: Negotiate as this account instead of the process's own (the machine
// account when run as a service), e.g. for an interactive run. The POSIX backend takes its
// credentials from the Kerberos ccache/keytab and refuses it.
struct NegotiateIdentity {
  std::string user;      // "svc-authwatch", or "svc@contoso.com" with an empty domain
  std::string domain;    // NetBIOS or DNS domain name
  std::string password;
};

struct ConnectOptions {
  std::string host;       // IP or name of the DC to connect to
  uint16_t port = 389;    // 389 LDAP, 3268 global catalog
  // The DC's FQDN, for the ldap/<fqdn> service ticket (GSSAPI). "" = the rootDSE's dnsHostName,
  // read anonymously first, so a DC given by IP still gets the right SPN without reverse DNS.
  std::string sasl_host;
  std::chrono::milliseconds timeout{3000};  // connect (rootDSE, TCP, TLS, bind together) and each search round trip
  // Kerberos credential cache for GSSAPI, e.g. "FILE:/tmp/krb5cc_svc" ("" = KRB5CCNAME or the
  // default). Applies to this connection only (set for the binding thread, then restored).
  std::string ccache;
  // Set: simple bind over TLS. Unset: SASL GSSAPI (POSIX) / Negotiate (Windows).
  std::shared_ptr<const SimpleBind> simple;
  std::shared_ptr<const NegotiateIdentity> negotiate_as;  // Windows only, see above; unset = this process's account
};

enum class Scope { Base, OneLevel, Subtree };

struct SearchRequest {
  std::string base;  // "" with Scope::Base = rootDSE
  Scope scope = Scope::Subtree;
  std::string filter = "(objectClass=*)";
  std::vector<std::string> attributes;  // empty = all user attributes
  size_t page_size = 500;               // paged results control (RFC 2696)
  size_t size_limit = 0;                // stop after this many entries (0 = no limit)
  std::chrono::milliseconds timeout{0};  // each page's round trip; 0 = ConnectOptions::timeout
};

struct Entry {
  std::string dn;
  // Attribute name (case-insensitive, as AD treats it) -> values, binary-safe (e.g. repsFrom).
  std::map<std::string, std::vector<std::string>, ILess> attributes;

  const std::vector<std::string>* values(std::string_view name) const;
  std::string first(std::string_view name) const;  // "" when absent
};

class Directory {
 public:
  // Connects, binds and returns a usable connection, or an error naming the host, the step
  // (connect, TLS, bind, ...) and the server's diagnostic message.
  static Result<Directory> connect(const ConnectOptions& options);

  // All entries (following paged results cookies), or an error naming the base and filter.
  // A base DN that does not exist (noSuchObject) is an empty result, not an error.
  Result<std::vector<Entry>> search(const SearchRequest& request);

  const std::string& host() const;

  Directory(Directory&&) noexcept;
  Directory& operator=(Directory&&) noexcept;
  ~Directory();

 private:
  struct Impl;
  explicit Directory(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authwatch::probes::ldap
