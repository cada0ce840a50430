// A server certificate checked against a PEM file of CAs with crypt32. The chain is built with the
// PEM's certificates as an extra store; its root must be one of them (the system's roots do not
// count), then the SSL policy checks the name with "unknown CA" ignored, since that root is
// trusted here by the file, not by the store.
#include "probes/win/cert_trust.hpp"

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"

namespace authwatch::probes::win {
namespace {

using platform::win::system_message;
using platform::win::widen;

// SECURITY_FLAG_IGNORE_UNKNOWN_CA of wininet.h (the SSL policy's "root not in the store" check).
constexpr DWORD kIgnoreUnknownCa = 0x00000100;

struct StoreClose {
  void operator()(void* store) const { CertCloseStore(store, 0); }
};
struct ChainFree {
  void operator()(PCCERT_CHAIN_CONTEXT chain) const { CertFreeCertificateChain(chain); }
};
using Store = std::unique_ptr<void, StoreClose>;
using Chain = std::unique_ptr<const CERT_CHAIN_CONTEXT, ChainFree>;

std::string status_text(DWORD status) {
  char hex[16];
  wsprintfA(hex, "0x%08lX", status);
  const std::string text = system_message(status);
  return text.empty() ? std::string(hex) : text + " (" + hex + ")";
}

// The PEM file's certificates, in a memory store; the count added.
Result<size_t> load_pem(const std::string& ca_file, HCERTSTORE store) {
  std::ifstream in(ca_file, std::ios::binary);
  if (!in) return Error{"cannot read the CA file " + ca_file};
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----", kEnd = "-----END CERTIFICATE-----";
  size_t added = 0;
  for (size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at + 1)) {
    const size_t end = pem.find(kEnd, at);
    if (end == std::string::npos) return Error{"the CA file " + ca_file + " has a certificate without its END line"};
    const std::string block = pem.substr(at, end + kEnd.size() - at);
    DWORD size = 0;
    if (!CryptStringToBinaryA(block.c_str(), static_cast<DWORD>(block.size()), CRYPT_STRING_BASE64HEADER, nullptr, &size, nullptr, nullptr))
      return Error{"the CA file " + ca_file + " has a certificate that is not base64: " + status_text(GetLastError())};
    std::vector<BYTE> der(size);
    if (!CryptStringToBinaryA(block.c_str(), static_cast<DWORD>(block.size()), CRYPT_STRING_BASE64HEADER, der.data(), &size, nullptr, nullptr) ||
        !CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der.data(), size, CERT_STORE_ADD_ALWAYS, nullptr))
      return Error{"the CA file " + ca_file + " has a certificate crypt32 cannot read: " + status_text(GetLastError())};
    ++added;
  }
  if (added == 0) return Error{"the CA file " + ca_file + " holds no PEM certificate"};
  return added;
}

bool in_store(HCERTSTORE store, PCCERT_CONTEXT certificate) {
  PCCERT_CONTEXT found = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_EXISTING, certificate, nullptr);
  if (!found) return false;
  CertFreeCertificateContext(found);
  return true;
}

}  // namespace

Result<void> verify_server_certificate(PCCERT_CONTEXT certificate, const std::string& ca_file, const std::string& host) {
  if (!certificate) return Error{"the server sent no certificate"};
  Store cas(CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, nullptr));
  if (!cas) return Error{"cannot open a certificate store: " + status_text(GetLastError())};
  if (auto loaded = load_pem(ca_file, cas.get()); !loaded) return Error{loaded.error()};

  CERT_CHAIN_PARA para{};
  para.cbSize = sizeof para;
  PCCERT_CHAIN_CONTEXT raw = nullptr;
  if (!CertGetCertificateChain(nullptr, certificate, nullptr, cas.get(), &para, 0, nullptr, &raw) || !raw)
    return Error{"cannot build the certificate chain: " + status_text(GetLastError())};
  Chain chain(raw);
  if (chain->cChain == 0 || chain->rgpChain[0]->cElement == 0) return Error{"the certificate chain is empty"};
  const CERT_SIMPLE_CHAIN* simple = chain->rgpChain[0];
  const PCCERT_CONTEXT root = simple->rgpElement[simple->cElement - 1]->pCertContext;
  if (!in_store(cas.get(), root)) return Error{"the certificate is not issued by a CA of " + ca_file};
  // Only the root's standing may be unknown (the file vouches for it); any other fault stands.
  const DWORD faults = chain->TrustStatus.dwErrorStatus & ~static_cast<DWORD>(CERT_TRUST_IS_UNTRUSTED_ROOT);
  if (faults != CERT_TRUST_NO_ERROR) {
    char hex[16];
    wsprintfA(hex, "0x%08lX", faults);
    std::string what;
    if (faults & CERT_TRUST_IS_NOT_TIME_VALID) what += " expired or not yet valid;";
    if (faults & CERT_TRUST_IS_NOT_SIGNATURE_VALID) what += " a signature does not verify;";
    if (faults & CERT_TRUST_IS_NOT_VALID_FOR_USAGE) what += " not valid for server authentication;";
    if (faults & CERT_TRUST_IS_REVOKED) what += " revoked;";
    if (!what.empty()) what.pop_back();
    return Error{"the certificate chain is not valid (CERT_TRUST " + std::string(hex) + ")" + (what.empty() ? "" : ":" + what)};
  }
  std::wstring name = widen(host);
  SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl{};
  ssl.cbSize = sizeof ssl;
  ssl.dwAuthType = AUTHTYPE_SERVER;
  ssl.fdwChecks = kIgnoreUnknownCa;
  ssl.pwszServerName = name.data();
  CERT_CHAIN_POLICY_PARA policy{};
  policy.cbSize = sizeof policy;
  policy.pvExtraPolicyPara = &ssl;
  CERT_CHAIN_POLICY_STATUS status{};
  status.cbSize = sizeof status;
  if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain.get(), &policy, &status))
    return Error{"cannot check the certificate's SSL policy: " + status_text(GetLastError())};
  if (status.dwError != 0) return Error{"the certificate does not pass for " + host + ": " + status_text(status.dwError)};
  return {};
}

}  // namespace authwatch::probes::win
