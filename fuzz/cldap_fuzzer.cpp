// CLDAP replies (probes/ldap/cldap.cpp, on the project DER codec): a UDP 389 datagram as the ports probe receives
// it, judged for the message id of the request it sent.
#include "fuzz/fuzz_support.hpp"
#include "probes/ldap/cldap.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = authwatch::fuzz::as_bytes(data, size);
  (void)authwatch::probes::is_cldap_reply(bytes, 1);
  (void)authwatch::probes::is_cldap_reply(bytes, 0x7fffffff);
  return 0;
}
