// A DC certificate checked against a CA file with crypt32 (probes/win/cert_trust.cpp): the test
// certificates of tests/data/win/tls (made with openssl, see tests/data/README.md) — a server
// certificate for dc1.lab.example issued by ca.pem, the same one expired, and an unrelated CA.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "probes/win/cert_trust.hpp"

using namespace authwatch::probes::win;

namespace {

const std::string kTls = std::string(AUTHWATCH_TEST_DATA) + "/win/tls/";

struct CertFree {
  void operator()(PCCERT_CONTEXT c) const { CertFreeCertificateContext(c); }
};
using Cert = std::unique_ptr<const CERT_CONTEXT, CertFree>;

Cert load(const std::string& name) {
  std::ifstream in(kTls + name, std::ios::binary);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  DWORD size = 0;
  if (pem.empty() || !CryptStringToBinaryA(pem.c_str(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER, nullptr, &size, nullptr, nullptr))
    return nullptr;
  std::vector<BYTE> der(size);
  CryptStringToBinaryA(pem.c_str(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER, der.data(), &size, nullptr, nullptr);
  return Cert(CertCreateCertificateContext(X509_ASN_ENCODING, der.data(), size));
}

}  // namespace

TEST(CertTrust, AServerCertificateOfTheFilesCaForItsNamePasses) {
  Cert dc1 = load("dc1.pem");
  ASSERT_TRUE(dc1);
  auto ok = verify_server_certificate(dc1.get(), kTls + "ca.pem", "dc1.lab.example");
  EXPECT_TRUE(ok.ok()) << ok.error();
  auto upper = verify_server_certificate(dc1.get(), kTls + "ca.pem", "DC1.LAB.EXAMPLE");
  EXPECT_TRUE(upper.ok()) << "DNS names compare without case: " << upper.error();
}

TEST(CertTrust, AnotherNameAnotherCaOrAnExpiredCertificateFails) {
  Cert dc1 = load("dc1.pem");
  ASSERT_TRUE(dc1);
  auto name = verify_server_certificate(dc1.get(), kTls + "ca.pem", "dc2.lab.example");
  ASSERT_FALSE(name.ok());
  EXPECT_NE(name.error().find("dc2.lab.example"), std::string::npos) << name.error();

  auto other = verify_server_certificate(dc1.get(), kTls + "other-ca.pem", "dc1.lab.example");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().find("other-ca.pem"), std::string::npos) << other.error();

  Cert expired = load("dc1-expired.pem");
  ASSERT_TRUE(expired);
  auto old = verify_server_certificate(expired.get(), kTls + "ca.pem", "dc1.lab.example");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().find("expired"), std::string::npos) << old.error();
}

TEST(CertTrust, AnUnusableCaFileIsNamed) {
  Cert dc1 = load("dc1.pem");
  ASSERT_TRUE(dc1);
  auto missing = verify_server_certificate(dc1.get(), kTls + "no-such.pem", "dc1.lab.example");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("no-such.pem"), std::string::npos) << missing.error();
  auto not_pem = verify_server_certificate(dc1.get(), std::string(AUTHWATCH_TEST_DATA) + "/README.md", "dc1.lab.example");
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.error().find("no PEM certificate"), std::string::npos) << not_pem.error();
}
