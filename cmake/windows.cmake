# The Windows build (MinGW-w64 cross compile, cmake/mingw-w64.toolchain.cmake): settings for every
# target. Included by the top-level CMakeLists.txt before any target exists.
#
# Parts of AuthWatch without a Windows implementation are left out of this build by their own
# CMakeLists.txt (never stubbed):
#   sources/evtx/evtx_file.cpp (native)    -> sources/win/evtx_file.cpp (wevtapi EvtQuery)
#   probes/posix/dns_srv.cpp (libresolv)   -> probes/win/dns_srv.cpp (DnsQuery_W)
#   probes/ldap/root_dse.cpp, cldap.cpp, posix/ldap_directory.cpp (OpenLDAP) -> probes/win/ (Wldap32)
#   tests/lab (Samba in Linux network namespaces) and the suites that need it run on Linux only.

# Windows 10 API level; no min/max macros from windows.h (they break std::min/max).
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NTDDI_VERSION=0x0A000000 NOMINMAX UNICODE _UNICODE)

# The dependency prefix's headers (Boost.Asio is used header-only by the probes): a system include
# directory, like /usr/include on Linux, so -Werror applies to our code only.
if(AUTHWATCH_MINGW_PREFIX)
  include_directories(SYSTEM ${AUTHWATCH_MINGW_PREFIX}/include)
endif()

# Boost.Asio on Windows: Winsock 2 and its Microsoft extensions (AcceptEx, ConnectEx).
link_libraries(ws2_32 mswsock)


# gtest_discover_tests lists a suite's tests by running it (through Wine): do that when ctest runs,
# not after linking, so building needs no Wine prefix.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)

# The Linux build's optimisation level (RelWithDebInfo: -O2), without its debug info, which would
# make the static exes huge. At -O3 GCC 12 reports std::optional members as maybe-uninitialized
# where they are not (sources/event_xml.cpp), and warnings are errors.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "" FORCE)

# Every probe has its Windows backend: the directory probes (replication, spn, connector) use the
# Wldap32 Directory (probes/win/ldap_directory.cpp), the ticket probe SSPI (probes/win/sspi_ticket.cpp).

# GCC 12 reports Boost.Asio's coroutine frame allocator (awaitable_frame_base::operator delete)
# as mismatched new/delete where it inlines it into our coroutines; MinGW only, a false positive.
add_compile_options(-Wno-mismatched-new-delete)
