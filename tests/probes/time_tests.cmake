# tests of the time probes: SNTP/Kerberos/DER codecs, and the clients against real servers
# (MIT krb5kdc, chronyd, each also under libfaketime) and scripted hostile peers on 127.0.0.1.
target_sources(authwatch_probes_tests PRIVATE
  der_test.cpp
  sntp_codec_test.cpp
  kerberos_codec_test.cpp
  time_clients_test.cpp
  real_time_servers.cpp
)
