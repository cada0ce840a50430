# Read by ctest after this folder's suites are discovered (tests/CMakeLists.txt, authwatch_test).
# These tests assert a wall-clock upper limit: a step that must end by its timeout, a refusal that
# must not wait for one, probes that must run at once. Their slack is 200-400 ms, which the load of
# other tests under `ctest -j` could eat, so each runs alone (RUN_SERIAL). `ctest -L deadline`
# lists or runs them.
set(deadline_tests
  AsyncUtil.DeadlineClosesASocketWhosePeerNeverSpeaks
  AsyncUtil.RunBlockingGivesUpAtTheDeadline
  DirectoryLab.BlackHoledDcEndsByTheTimeout
  DirectoryLab.SessionFallsToTheNextDcWhenTheFirstIsSilent
  DnsLab.DroppedDnsPortIsAnErrorByTheTimeout
  DnsLab.RejectedDnsPortIsAnErrorAtOnce
  DnsProbeRun.SilentDnsServerGivesErrorsByTheDeadline
  LdapDirectory.RefusedPortIsAConnectErrorNamingTheHost
  # These two assert no time, but their probes must finish within the probe deadline (1 s; 300 ms
  # + a 600 ms retry) while they block or wait on real timers.
  ProbeEngine.BlockingCallsStuckOnASilentDcDoNotStarveTheOthers
  ProbeEngine.AProbeThatRetriesSilenceHasItsSlowRetryOnTop
  ProbeEngine.AProbeThatOverrunsItsDeadlineIsReportedAndAbandoned
  ProbeEngine.ProbesRunConcurrently
  ReplicationLab.ASilentDcIsReportedWithinTheDeadline
  RootDseClient.RefusedConnectionIsAnErrorNamingTheServer
  RootDseClient.ReplyAnnouncingHundredsOfMegabytesIsRefusedAtOnce
  RootDseClient.SilentServerIsAnErrorByTheTimeout
  RootDseLab.DroppedLdapPortIsAnErrorByTheTimeout
  RootDseLab.RejectedLdapPortIsAnErrorAtOnce
  ScriptedPeers.OversizedLengthPrefixIsRefusedAtOnce
  ScriptedPeers.SilentUdpPeerEndsAtTheDeadline
  ScriptedPeers.SlowDripTcpPeerEndsAtTheDeadline
  SmtpProbeRun.BadPeerIsAnErrorNamingIt
  SpnLab.BlackHoledDcGivesErrorsWithinTheDeadline
  SrvLookup.ServfailAndRefusedAreErrorsWithoutWaitingForTheTimeout
  SrvLookup.SilentServerIsAnErrorByTheTimeout
  TicketLab.BlockedKerberosIsKdcUnreachableWithinTheDeadline
  TicketLab.RefusedKerberosOnDc1FallsOverToDc2
)
include(${CMAKE_CURRENT_LIST_DIR}/../mark_deadline_tests.cmake)
mark_deadline_tests(authwatch_probes_tests lab ${deadline_tests})
