#pragma once
// Checks a TLS server certificate against the CA certificates of a PEM file instead of the
// Windows certificate store (SimpleBind::ca_file): the chain must end at one of those CAs, every
// certificate in it must be valid (dates, signatures, usage), and the certificate must name `host`
// (CertVerifyCertificateChainPolicy's SSL policy). What OpenLDAP's TLS_CACERTFILE does on POSIX.
#include <windows.h>
#include <wincrypt.h>

#include <string>

#include "core/result.hpp"

namespace authwatch::probes::win {

// An error names what failed (the file, the chain, the name), for the probe's message.
Result<void> verify_server_certificate(PCCERT_CONTEXT certificate, const std::string& ca_file, const std::string& host);

}  // namespace authwatch::probes::win
