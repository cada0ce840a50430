#include "probes/ticket_probe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <boost/asio/ip/address.hpp>

#include "core/clock.hpp"
#include "core/text.hpp"
#include "probes/async_util.hpp"
#include "probes/protocols/kdc_exchange.hpp"
#include "probes/protocols/kerberos.hpp"

// GCC 12 reports Boost.Asio's coroutine frame allocator (awaitable_frame_base::operator new and
// delete, both its own recycling allocator) as mismatched new/delete in this file's coroutines:
// the false positive cmake/windows.cmake silences for MinGW, here for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;

// An AS exchange with pre-authentication is two round trips, a TGS exchange one, plus one per
// referral hop; more than this is a referral loop.
constexpr int kMaxKdcMessages = 12;
// Kept back from the KDC exchanges for the local work after them (GSS token, accept side), so a
// silent KDC still ends as kdc-unreachable before the deadline, not as a late library.
constexpr std::chrono::milliseconds kFinishReserve{250};

SteadyTime network_deadline(SteadyTime deadline, std::chrono::milliseconds budget) {
  const auto reserve = std::min(kFinishReserve, budget / 5);
  return deadline - reserve;
}

std::string kdc_offset_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.0f s", s);
  return buf;
}

TicketResult failed(TicketOutcome outcome, std::string message) {
  TicketResult r;
  r.outcome = outcome;
  r.message = std::move(message);
  return r;
}

// The KDCs to send a message for `realm` to: the probe's DCs for its own realm (what the DC
// locator gives Exchange), else what this host's Kerberos configuration names.
std::vector<std::string> kdcs_for(const std::string& realm, const ProbeTargets& targets, TicketSession& session) {
  if (!targets.dcs.empty() && (targets.realm.empty() || iequals(realm, targets.realm))) return targets.dcs;
  return session.configured_kdcs(realm);
}

std::string principal_unknown_summary(const std::string& target, int krb_error_code) {
  const int code = krb_error_code >= 0 ? krb_error_code : 7;
  return "the KDC does not know " + target + " (" + kerberos::error_name(code) +
         "): the SPN is missing, or registered on more than one account (the spn probe tells which)";
}

}  // namespace

std::string ticket_service_host(const ProbeTargets& targets) {
  if (!targets.peer_fqdn.empty()) return targets.peer_fqdn;
  if (targets.peer.empty()) return "";
  if (targets.peer.front() == '[') return "";  // [v6] or [v6]:port
  std::string host = host_part(targets.peer);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return ec ? host : "";
}

bool met_a_silent_kdc(const std::vector<KdcAttempt>& attempts) {
  return std::any_of(attempts.begin(), attempts.end(), [](const KdcAttempt& a) { return a.connected && !a.answered && a.timed_out; });
}

namespace {

nlohmann::json attempts_json(const std::vector<KdcAttempt>& attempts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : attempts) {
    nlohmann::json j{{"kdc", a.kdc}, {"transport", a.transport}, {"connected", a.connected}, {"answered", a.answered},
                     {"timed_out", a.timed_out}};
    if (!a.error.empty()) j["error"] = a.error;
    out.push_back(std::move(j));
  }
  return out;
}

// "198.18.77.11:88, 198.18.77.12:88": the KDCs that accepted the connection and never answered.
std::string silent_kdcs(const std::vector<KdcAttempt>& attempts) {
  std::string out;
  for (const auto& a : attempts)
    if (a.connected && !a.answered && a.timed_out && out.find(a.kdc) == std::string::npos) out += (out.empty() ? "" : ", ") + a.kdc;
  return out;
}

}  // namespace

Finding judge_ticket(const std::string& target, const TicketResult& r, const TicketWire& wire,
                     const std::optional<TicketFirstAttempt>& first) {
  Finding f{"ticket", target, FindingStatus::Ok, "", nlohmann::json::object(), ""};
  auto& e = f.evidence;
  e["outcome"] = std::string(to_string(r.outcome));
  // The code the KDC sent is the evidence; the library's mapping of it is the fallback.
  int krb = -1;
  if (r.outcome != TicketOutcome::Ok) krb = wire.krb_error_code ? *wire.krb_error_code : r.krb_error_code.value_or(-1);
  if (krb >= 0) e["krb_error_code"] = krb;
  if (r.gss_major) e["gss_major"] = *r.gss_major;
  if (r.gss_minor) e["gss_minor"] = *r.gss_minor;
  e["message"] = r.message;
  if (r.kvno) e["kvno"] = *r.kvno;
  if (r.accept) {
    nlohmann::json acc = {{"ok", r.accept->ok}, {"error", r.accept->error}};
    acc["keytab_kvno"] = r.accept->keytab_kvno ? nlohmann::json(*r.accept->keytab_kvno) : nlohmann::json();
    if (r.accept->gss_minor) acc["gss_minor"] = *r.accept->gss_minor;
    e["accept"] = acc;
  }
  e["client"] = r.client;
  if (!wire.kdc.empty()) e["kdc"] = wire.kdc;
  if (!wire.kdc_realm.empty()) e["kdc_realm"] = wire.kdc_realm;
  if (!wire.attempts.empty()) e["kdc_attempts"] = attempts_json(wire.attempts);
  if (first) {
    e["first_attempt"] = {{"outcome", std::string(to_string(first->result.outcome))}, {"message", first->result.message},
                          {"seconds", std::round(first->seconds * 10) / 10}, {"kdc_attempts", attempts_json(first->wire.attempts)}};
  }

  const std::string kvno_text = r.kvno ? " (kvno " + std::to_string(*r.kvno) + ")" : "";
  const std::string purge = " Then purge the sender's cached tickets: `klist -li 0x3e7 purge` (Exchange transport runs as "
                            "the computer account) or restart MSExchangeTransport.";
  switch (r.outcome) {
    case TicketOutcome::Ok:
      f.summary = "service ticket for " + target + kvno_text + " issued to " + r.client;
      if (r.accept) f.summary += "; the peer's keytab accepts it (mutual authentication complete)";
      if (first) {
        // Issued, but only in the slow retry: a slow KDC is worth a look, not a cause.
        f.status = FindingStatus::Warn;
        f.summary += ", but only in the slow retry: no KDC answered within the deadline (" + first->result.message + ")";
        f.remediation = "The domain controllers answered Kerberos late; if this repeats, check their load (lsass.exe CPU, "
                        "`dcdiag`) and the network path to them.";
      }
      break;
    case TicketOutcome::PrincipalUnknown:
      f.status = FindingStatus::Fail;
      f.summary = principal_unknown_summary(target, krb);
      f.remediation = "Register " + target + " (and its short-name form) on the peer's computer account only: `setspn -L <PEER>` "
                      "lists its SPNs, `setspn -S " + target + " <PEER>` adds one and refuses a duplicate, `setspn -X -F` "
                      "lists duplicates in the forest (remove the extra owner). Wait for AD replication." + purge;
      break;
    case TicketOutcome::Skew:
      f.status = FindingStatus::Fail;
      f.summary = "clock skew too great (KRB_AP_ERR_SKEW) asking for " + target;
      if (wire.kdc_offset_seconds) f.summary += ": the KDC's clock is " + kdc_offset_text(*wire.kdc_offset_seconds) + " from this host's";
      if (r.accept && !r.accept->ok) f.summary = "the peer's keytab accepts no AP-REQ from this host: clock skew too great";
      f.remediation = "Bring the clocks of this server, the peer and the DCs within 5 minutes (MaxClockSkew): fix the time source of "
                      "the DC whose clock is off (the clock probe names it), then `w32tm /resync` on the Exchange servers.";
      break;
    case TicketOutcome::Etype:
      f.status = FindingStatus::Fail;
      f.summary = "no encryption type both this host and " + target + "'s account support (KDC_ERR_ETYPE_NOSUPP)";
      f.remediation = "Compare msDS-SupportedEncryptionTypes on the peer's computer account with the policy \"Network security: "
                      "Configure encryption types allowed for Kerberos\" on both servers; after enabling AES, reset the peer's "
                      "machine password so AES keys exist." + purge;
      break;
    case TicketOutcome::KdcUnreachable:
      f.status = FindingStatus::Fail;
      f.summary = target + ": " + r.message + (first ? " (and again in the slow retry)" : "");
      f.remediation = "Open TCP and UDP 88 from this server to the domain controllers (the ports probe shows which are blocked) "
                      "and check that _kerberos._tcp SRV records resolve (dns probe).";
      break;
    case TicketOutcome::StaleKey:
      f.status = FindingStatus::Fail;
      f.summary = "the peer's keys cannot decrypt its ticket" + kvno_text;
      if (r.accept && r.accept->keytab_kvno) f.summary += ": its keytab holds kvno " + std::to_string(*r.accept->keytab_kvno);
      // Same version, other key: the KDC encrypted the ticket in another account's key.
      if (r.accept && r.accept->keytab_kvno && r.kvno && *r.kvno == *r.accept->keytab_kvno)
        f.summary += " too, but not the key the KDC used — the SPN on another account, or a stale key";
      else
        f.summary += " — a stale key";
      f.remediation = "The peer's computer account password changed in AD but the peer still uses its old key (or the SPN moved to "
                      "another account): check that AD replication has converged (replication probe: msDS-KeyVersionNumber on "
                      "every DC), then repair the peer's secure channel (`Test-ComputerSecureChannel -Repair` or "
                      "`nltest /sc_reset:<DOMAIN>` on the peer)." + purge;
      break;
    case TicketOutcome::KdcUnresponsive:
      f.status = FindingStatus::Fail;
      f.summary = target + ": " + silent_kdcs(wire.attempts) + " accepted the connection but did not answer" +
                  (first ? ", not even in the slow retry" : "") + " (" + r.message + ")";
      f.remediation = "Those domain controllers are overloaded or hung, not firewalled: check their CPU, memory and lsass.exe, "
                      "`dcdiag /s:<dc>` and their event logs; restart the KDC or Netlogon service there.";
      break;
    case TicketOutcome::Trust:
      f.status = FindingStatus::Fail;
      f.summary = "the KDC of " + (wire.kdc_realm.empty() ? std::string("the other realm") : wire.kdc_realm) +
                  " cannot read the referral ticket of " + r.client + "'s realm asking for " + target +
                  ": the trust between the two domains is broken or was re-keyed on one side only";
      f.remediation = "Verify the trust (`netdom trust <trusting domain> /domain:<trusted domain> /verify`) and reset its "
                      "password on both sides (`netdom trust ... /resetOneSide`, the same new password on each)." + purge;
      break;
    case TicketOutcome::NoCredentials:
      f.status = FindingStatus::Error;
      f.summary = "could not ask for " + target + ": " + r.message;
      f.remediation = "Give the probe credentials: --ccache (after kinit) or --client-keytab with the computer account's keys.";
      break;
    case TicketOutcome::Other:
      f.status = FindingStatus::Error;
      f.summary = "the request for " + target + " failed: " + (r.accept && !r.accept->error.empty() ? r.accept->error : r.message);
      break;
  }
  if (krb >= 0 && r.outcome != TicketOutcome::PrincipalUnknown && r.outcome != TicketOutcome::Etype && r.outcome != TicketOutcome::Skew)
    f.summary += " [" + kerberos::error_name(krb) + "]";
  return f;
}

namespace {

// One attempt: open, carry each KDC message under the deadline, finish (token, accept side).
// `budget` is the time the attempt was given (the deadline, or the slow retry).
asio::awaitable<TicketResult> attempt(ProbeContext& ctx, TicketRequest request, SteadyTime deadline, std::chrono::milliseconds budget,
                                      TicketWire& wire) {
  const SteadyTime kdc_deadline = network_deadline(deadline, budget);
  const std::string late = "the Kerberos library did not finish within the " + std::to_string(budget.count()) + " ms deadline";
  // Opening reads the ccache/keytab (local, but a KCM cache is a daemon): on the blocking pool.
  std::function<std::shared_ptr<TicketSession>()> open = [request] { return std::shared_ptr<TicketSession>(open_ticket_session(request)); };
  auto opened = co_await run_blocking<std::shared_ptr<TicketSession>>(ctx.blocking, deadline, std::move(open));
  if (!opened || !*opened) co_return failed(TicketOutcome::Other, late);
  std::shared_ptr<TicketSession> session = *opened;

  std::vector<uint8_t> reply;
  bool unreachable = false;
  for (int round = 0;; ++round) {
    std::function<std::optional<KdcMessage>()> step = [session, reply] { return session->next(reply); };
    auto message = co_await run_blocking<std::optional<KdcMessage>>(ctx.blocking, deadline, std::move(step));
    if (!message) co_return failed(TicketOutcome::Other, late);
    if (!*message) break;
    if (round == kMaxKdcMessages) {
      co_return failed(TicketOutcome::Other, "more than " + std::to_string(kMaxKdcMessages) + " KDC round trips (a referral loop?)");
    }
    const std::string realm = (*message)->realm;
    wire.krb_error_code.reset();
    wire.kdc_offset_seconds.reset();
    wire.kdc_realm = realm;
    auto kdcs = kdcs_for(realm, ctx.targets, *session);
    auto exchange = co_await kdc_exchange(ctx, kdcs, std::move((*message)->bytes), kdc_deadline, &wire.attempts);
    if (!exchange) {
      session->kdc_unreachable(kdcs.empty() ? "no KDC known for realm " + realm : "no KDC of " + realm + " answered: " + exchange.error());
      unreachable = true;
      break;
    }
    wire.kdc = exchange.value().kdc;
    reply = std::move(exchange.value().bytes);
    // A KRB-ERROR is the KDC's own word on what failed, and its stime is the KDC's clock.
    if (kerberos::classify_reply(reply) == kerberos::ReplyKind::KrbError) {
      if (auto error = kerberos::decode_krb_error(reply)) {
        wire.krb_error_code = error.value().error_code;
        wire.kdc_offset_seconds = std::chrono::duration<double>(error.value().server_time - SystemClock{}.now()).count();
      }
    }
  }
  std::optional<TicketResult> result;
  if (unreachable) {
    result = session->finish();  // nothing left for the library to do: no pool round trip
    // A KDC took the connection and then said nothing: hung, not unreachable (docs/domain.md §10).
    if (result->outcome == TicketOutcome::KdcUnreachable && met_a_silent_kdc(wire.attempts)) result->outcome = TicketOutcome::KdcUnresponsive;
  } else {
    std::function<TicketResult()> finish = [session] { return session->finish(); };
    result = co_await run_blocking<TicketResult>(ctx.blocking, deadline, std::move(finish));
  }
  co_return result ? std::move(*result) : failed(TicketOutcome::Other, late);
}

}  // namespace

asio::awaitable<std::vector<Finding>> TicketProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  const SteadyTime deadline = std::chrono::steady_clock::now() + ctx.settings.deadline;
  const std::string host = ticket_service_host(ctx.targets);
  if (host.empty()) {
    findings.push_back({"ticket", "", FindingStatus::Skipped, "no peer FQDN to ask a service ticket for (--peer-fqdn)", {}, ""});
    co_return findings;
  }
  const std::string target = "SMTPSVC/" + host;
  const TicketRequest request{target, ctx.targets.realm, ctx.targets.ccache, ctx.targets.client_keytab, ctx.targets.peer_keytab};
  const auto start = std::chrono::steady_clock::now();
  TicketWire wire;
  TicketResult result = co_await attempt(ctx, request, deadline, ctx.settings.deadline, wire);
  // No KDC answered and one was still silent at the deadline (no connection yet, or connected and
  // waiting for the reply): a slow DC looks like that too. Once more with the slow retry.
  std::optional<TicketFirstAttempt> first;
  const bool silent = (result.outcome == TicketOutcome::KdcUnreachable || result.outcome == TicketOutcome::KdcUnresponsive) &&
                      std::any_of(wire.attempts.begin(), wire.attempts.end(), [](const KdcAttempt& a) { return a.timed_out; });
  if (silent && ctx.settings.slow_retry.count() > 0) {
    first = TicketFirstAttempt{result, wire, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    const SteadyTime retry_deadline = std::min(std::chrono::steady_clock::now() + ctx.settings.slow_retry, deadline + ctx.settings.slow_retry);
    wire = TicketWire{};
    result = co_await attempt(ctx, request, retry_deadline, ctx.settings.slow_retry, wire);
  }
  findings.push_back(judge_ticket(target, result, wire, first));
  co_return findings;
}

}  // namespace authwatch::probes
