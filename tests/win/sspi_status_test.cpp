// The SSPI status -> ticket outcome mapping (probes/win/sspi_status.cpp), pure: every status the
// Kerberos package returns for the faults the probe looks for, by its winerror.h name.
#include <gtest/gtest.h>

#include "probes/win/sspi_status.hpp"

#include <windows.h>

using namespace authwatch::probes;

namespace {

TicketOutcome outcome(HRESULT status) { return classify_sspi_status(static_cast<int32_t>(status)).outcome; }

}  // namespace

TEST(SspiStatus, FirstLegSuccessIsOk) {
  EXPECT_EQ(outcome(SEC_E_OK), TicketOutcome::Ok);
  EXPECT_EQ(outcome(SEC_I_CONTINUE_NEEDED), TicketOutcome::Ok) << "mutual authentication: the ticket was issued";
  EXPECT_FALSE(classify_sspi_status(SEC_I_CONTINUE_NEEDED).krb_error_code.has_value());
}

TEST(SspiStatus, KdcFaultsMapToTheFindingsVocabulary) {
  const auto unknown = classify_sspi_status(static_cast<int32_t>(SEC_E_TARGET_UNKNOWN));
  EXPECT_EQ(unknown.outcome, TicketOutcome::PrincipalUnknown);
  EXPECT_EQ(unknown.krb_error_code, 7) << "KDC_ERR_S_PRINCIPAL_UNKNOWN";
  const auto skew = classify_sspi_status(static_cast<int32_t>(SEC_E_TIME_SKEW));
  EXPECT_EQ(skew.outcome, TicketOutcome::Skew);
  EXPECT_EQ(skew.krb_error_code, 37) << "KRB_AP_ERR_SKEW";
  const auto etype = classify_sspi_status(static_cast<int32_t>(SEC_E_KDC_UNKNOWN_ETYPE));
  EXPECT_EQ(etype.outcome, TicketOutcome::Etype);
  EXPECT_EQ(etype.krb_error_code, 14) << "KDC_ERR_ETYPE_NOSUPP";
  EXPECT_EQ(outcome(SEC_E_ALGORITHM_MISMATCH), TicketOutcome::Etype);
  EXPECT_EQ(outcome(SEC_E_NO_AUTHENTICATING_AUTHORITY), TicketOutcome::KdcUnreachable);
  EXPECT_EQ(outcome(SEC_E_NO_TGT_REPLY), TicketOutcome::KdcUnreachable);
}

TEST(SspiStatus, OwnCredentialFaultsAreNoCredentials) {
  for (HRESULT s : {SEC_E_NO_CREDENTIALS, SEC_E_UNKNOWN_CREDENTIALS, SEC_E_LOGON_DENIED, SEC_E_NO_KERB_KEY, SEC_E_UNSUPPORTED_PREAUTH})
    EXPECT_EQ(outcome(s), TicketOutcome::NoCredentials) << sspi_status_name(static_cast<int32_t>(s));
}

// A service in another realm: LSA followed the referral, and SEC_E_LOGON_DENIED is the other
// realm's KDC refusing the referral ticket (KRB_AP_ERR_BAD_INTEGRITY, a broken trust; event 2017
// LogonDenied in the field). In the account's own realm it stays this account's credentials.
TEST(SspiStatus, LogonDeniedAcrossARealmIsTheTrust) {
  const auto trust = classify_sspi_status(static_cast<int32_t>(SEC_E_LOGON_DENIED), /*cross_realm=*/true);
  EXPECT_EQ(trust.outcome, TicketOutcome::Trust);
  EXPECT_FALSE(trust.krb_error_code.has_value()) << "SSPI does not say which KDC error it was";
  EXPECT_EQ(classify_sspi_status(static_cast<int32_t>(SEC_E_LOGON_DENIED), false).outcome, TicketOutcome::NoCredentials);
  EXPECT_EQ(classify_sspi_status(static_cast<int32_t>(SEC_E_TARGET_UNKNOWN), true).outcome, TicketOutcome::PrincipalUnknown);
}

TEST(SspiStatus, EverythingElseIsOtherAndNamed) {
  for (HRESULT s : {SEC_E_KDC_UNABLE_TO_REFER, SEC_E_WRONG_PRINCIPAL, SEC_E_INTERNAL_ERROR, SEC_E_SECPKG_NOT_FOUND, SEC_E_INVALID_TOKEN})
    EXPECT_EQ(outcome(s), TicketOutcome::Other) << sspi_status_name(static_cast<int32_t>(s));
  EXPECT_EQ(sspi_status_name(static_cast<int32_t>(SEC_E_TARGET_UNKNOWN)), "SEC_E_TARGET_UNKNOWN (0x80090303)");
  EXPECT_EQ(sspi_status_name(static_cast<int32_t>(SEC_E_TIME_SKEW)), "SEC_E_TIME_SKEW (0x80090324)");
  EXPECT_EQ(sspi_status_name(static_cast<int32_t>(0x80091234)), "0x80091234");
  EXPECT_EQ(outcome(static_cast<HRESULT>(0x80091234)), TicketOutcome::Other);
}
