# time probes and clients: SNTP and Kerberos codecs (with the DER they need) and their async clients.
target_sources(authwatch_probes PRIVATE
  protocols/der.cpp
  protocols/kerberos.cpp
  protocols/sntp.cpp
  protocols/timed_exchange.cpp
  protocols/sntp_client.cpp
  protocols/kdc_client.cpp
)
