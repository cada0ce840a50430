// The service-ticket attempt on Windows: SSPI's Kerberos package, as Exchange transport gets its
// ticket for SMTPSVC/<peer> (X-EXPS GSSAPI): AcquireCredentialsHandleW("Kerberos", outbound) for
// the process's logon session — the machine account when AuthWatch runs as a service, which is
// the account transport uses — then InitializeSecurityContextW for the SPN.
//
// SSPI talks to the KDC inside LSA: there is no KDC message for the probe to carry (next() hands
// out none) and no deadline to give LSA; the probe's deadline still ends the probe on time
// (run_blocking), LSA's own retries end the call later.
//
// Before asking, this logon session's cached ticket for the SPN is purged (as `klist purge` does
// for one ticket): a ticket cached before the SPN was removed or the key changed would hide the
// very fault this probe looks for. Transport then simply gets a fresh one on its next connection.
//
// No accept side: AcceptSecurityContext accepts a token only with the keys of the account it runs
// as, from LSA; it cannot be handed the peer's keytab, so the peer's key (stale-key) can only be
// checked on the peer itself, or from Linux with --peer-keytab (probes/posix/gss_ticket.cpp).
#include "probes/service_ticket.hpp"

#include <winsock2.h>
#include <windows.h>
#define SECURITY_WIN32
#include <ntsecapi.h>
#include <security.h>

#include <cctype>
#include <cstring>
#include <vector>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "probes/win/initial_token.hpp"
#include "probes/win/sspi_status.hpp"

namespace authwatch::probes {
namespace {

using platform::win::narrow;
using platform::win::system_message;
using platform::win::widen;

std::string status_text(SECURITY_STATUS status) {
  std::string text = sspi_status_name(status);
  const std::string words = system_message(static_cast<unsigned long>(status));
  return words.empty() ? text : text + ": " + words;
}

// Removes this logon session's cached tickets for `service` (every realm). "" on success, else why not.
std::string purge_cached_ticket(const std::wstring& service) {
  HANDLE lsa = nullptr;
  NTSTATUS status = LsaConnectUntrusted(&lsa);
  if (status != 0) return "LsaConnectUntrusted: " + system_message(LsaNtStatusToWinError(status));
  char package_name[] = "Kerberos";  // MICROSOFT_KERBEROS_NAME_A
  LSA_STRING name{static_cast<USHORT>(std::strlen(package_name)), static_cast<USHORT>(sizeof package_name), package_name};
  ULONG package = 0;
  status = LsaLookupAuthenticationPackage(lsa, &name, &package);
  std::string why;
  if (status != 0) {
    why = "LsaLookupAuthenticationPackage(Kerberos): " + system_message(LsaNtStatusToWinError(status));
  } else {
    // One buffer: the request, then the server name its UNICODE_STRING points into.
    const size_t name_bytes = service.size() * sizeof(wchar_t);
    std::vector<unsigned char> buffer(sizeof(KERB_PURGE_TKT_CACHE_REQUEST) + name_bytes);
    auto* request = reinterpret_cast<KERB_PURGE_TKT_CACHE_REQUEST*>(buffer.data());
    request->MessageType = KerbPurgeTicketCacheMessage;
    request->LogonId = {};  // 0: the caller's own logon session
    auto* text = reinterpret_cast<wchar_t*>(buffer.data() + sizeof(KERB_PURGE_TKT_CACHE_REQUEST));
    std::memcpy(text, service.data(), name_bytes);
    request->ServerName = {static_cast<USHORT>(name_bytes), static_cast<USHORT>(name_bytes), text};
    request->RealmName = {0, 0, nullptr};
    void* response = nullptr;
    ULONG response_size = 0;
    NTSTATUS protocol_status = 0;
    status = LsaCallAuthenticationPackage(lsa, package, buffer.data(), static_cast<ULONG>(buffer.size()), &response, &response_size,
                                          &protocol_status);
    if (response) LsaFreeReturnBuffer(response);
    if (status != 0 || protocol_status != 0)
      why = "KerbPurgeTicketCacheMessage: " + system_message(LsaNtStatusToWinError(status != 0 ? status : protocol_status));
  }
  LsaDeregisterLogonProcess(lsa);
  return why;
}

// The service's realm is not this account's ("EX1$@CHILD.CONTOSO.COM" asking in CONTOSO.COM). An
// account named DOMAIN\NAME gives no realm to compare: not cross-realm, as far as can be told.
bool cross_realm(const std::string& client, const std::string& service_realm) {
  const auto at = client.rfind('@');
  if (at == std::string::npos || service_realm.empty()) return false;
  const std::string client_realm = client.substr(at + 1);
  if (client_realm.size() != service_realm.size()) return true;
  for (size_t i = 0; i < client_realm.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(client_realm[i])) != std::toupper(static_cast<unsigned char>(service_realm[i]))) return true;
  return false;
}

class SspiTicketSession final : public TicketSession {
 public:
  explicit SspiTicketSession(TicketRequest request) : req_(std::move(request)) {}

  std::optional<KdcMessage> next(std::span<const uint8_t>) override { return std::nullopt; }
  std::vector<std::string> configured_kdcs(const std::string&) override { return {}; }
  void kdc_unreachable(std::string why) override { unreachable_ = std::move(why); }
  TicketResult finish() override;

 private:
  TicketRequest req_;
  std::string unreachable_;
};

TicketResult SspiTicketSession::finish() {
  TicketResult result;
  if (!unreachable_.empty()) {
    result.outcome = TicketOutcome::KdcUnreachable;
    result.message = unreachable_;
    return result;
  }
  if (!req_.ccache.empty() || !req_.client_keytab.empty()) {
    result.message = "a credential cache or client keytab cannot be used on Windows: the ticket is asked for with this process's "
                     "logon session (the machine account when AuthWatch runs as a service)";
    return result;
  }
  if (!req_.peer_keytab.empty()) {
    result.message = "a peer keytab cannot be used on Windows: AcceptSecurityContext accepts tokens only with the keys of the account "
                     "it runs as, so the peer's key is checked on the peer, or from Linux with --peer-keytab";
    return result;
  }
  try {
    CredHandle credentials{};
    TimeStamp expiry{};
    wchar_t package[] = L"Kerberos";
    SECURITY_STATUS status = AcquireCredentialsHandleW(nullptr, package, SECPKG_CRED_OUTBOUND, nullptr, nullptr, nullptr, nullptr,
                                                       &credentials, &expiry);
    if (status != SEC_E_OK) {
      const auto verdict = classify_sspi_status(status);
      result.outcome = verdict.outcome == TicketOutcome::Ok ? TicketOutcome::Other : verdict.outcome;
      result.krb_error_code = verdict.krb_error_code;
      result.gss_major = static_cast<uint32_t>(status);
      result.message = "AcquireCredentialsHandleW(Kerberos): " + status_text(status);
      return result;
    }
    SecPkgCredentials_NamesW names{};
    if (QueryCredentialsAttributesW(&credentials, SECPKG_CRED_ATTR_NAMES, &names) == SEC_E_OK && names.sUserName) {
      result.client = narrow(names.sUserName);
      FreeContextBuffer(names.sUserName);
    }

    // The SPN alone, as transport names it: LSA finds the service's realm itself (referrals).
    std::wstring target = widen(req_.service);
    const std::string purge_failed = purge_cached_ticket(widen(req_.service));

    // The token goes into a buffer of the package's largest token size (Wine's Kerberos package
    // does not allocate it, ISC_REQ_ALLOCATE_MEMORY; Windows' does both).
    ULONG max_token = 48 * 1024;
    PSecPkgInfoW info = nullptr;
    if (QuerySecurityPackageInfoW(package, &info) == SEC_E_OK && info) {
      max_token = info->cbMaxToken;
      FreeContextBuffer(info);
    }
    std::vector<unsigned char> token_bytes(max_token);
    // What Exchange's GSSAPI asks for: mutual authentication, integrity and confidentiality.
    const ULONG wanted = ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY;
    SecBuffer token{max_token, SECBUFFER_TOKEN, token_bytes.data()};
    SecBufferDesc output{SECBUFFER_VERSION, 1, &token};
    CtxtHandle context{};
    ULONG granted = 0;
    status = InitializeSecurityContextW(&credentials, nullptr, target.data(), wanted, 0, SECURITY_NATIVE_DREP, nullptr, 0, &context,
                                        &output, &granted, &expiry);
    const bool have_context = status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED || status == SEC_I_COMPLETE_NEEDED ||
                              status == SEC_I_COMPLETE_AND_CONTINUE;
    const auto verdict = classify_sspi_status(status, cross_realm(result.client, req_.realm));
    result.outcome = verdict.outcome;
    result.krb_error_code = verdict.krb_error_code;
    result.gss_major = static_cast<uint32_t>(status);
    result.message = "InitializeSecurityContextW(" + req_.service + "): " + status_text(status);
    if (!purge_failed.empty()) result.message += "; the cached ticket was not purged first (" + purge_failed + ")";
    if (verdict.outcome == TicketOutcome::Ok && token.cbBuffer <= token_bytes.size())
      result.kvno = ticket_kvno_of_initial_token({token_bytes.data(), token.cbBuffer});
    if (have_context) DeleteSecurityContext(&context);
    FreeCredentialsHandle(&credentials);
    return result;
  } catch (const std::exception& e) {  // bad_alloc: still a result, never a throw
    result.outcome = TicketOutcome::Other;
    result.message = e.what();
    return result;
  }
}

}  // namespace

std::unique_ptr<TicketSession> open_ticket_session(const TicketRequest& request) {
  return std::make_unique<SspiTicketSession>(request);
}

}  // namespace authwatch::probes
