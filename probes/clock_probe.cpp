#include "probes/clock_probe.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/text.hpp"
#include "core/time.hpp"
#include "probes/async_util.hpp"
#include "probes/ldap/root_dse.hpp"
#include "probes/protocols/kdc_client.hpp"
#include "probes/protocols/smtp_client.hpp"
#include "probes/protocols/sntp_client.hpp"
#include "probes/smtp_probe.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using TimeReadingTask = std::function<asio::awaitable<nlohmann::json>()>;

constexpr uint16_t kNtpPort = 123, kKerberosPort = 88, kLdapPort = 389;
// LDAP's currentTime has 1 s resolution and SNTP/Kerberos are sub-second: readings further apart
// than this disagree for real.
constexpr double kDisagreementSeconds = 5.0;

std::string clock_offset_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f s", s);
  return buf;
}

TimeReadingTask sntp_task(ProbeContext& ctx, std::string host, SteadyTime deadline) {
  return [&ctx, host, deadline]() -> asio::awaitable<nlohmann::json> {
    auto r = co_await sntp_query(ctx, host, kNtpPort, deadline);
    if (!r.ok) co_return nlohmann::json{{"ok", false}, {"error", r.error}};
    co_return nlohmann::json{{"ok", true}, {"offset_seconds", r.offset_seconds}, {"delay_seconds", r.delay_seconds}, {"stratum", r.stratum}};
  };
}

TimeReadingTask kerberos_task(ProbeContext& ctx, std::string host, KdcTransport transport, SteadyTime deadline) {
  return [&ctx, host, transport, deadline]() -> asio::awaitable<nlohmann::json> {
    auto r = co_await kdc_time_query(ctx, host, kKerberosPort, ctx.targets.realm, transport, deadline);
    if (!r.ok) co_return nlohmann::json{{"ok", false}, {"error", r.error}};
    co_return nlohmann::json{{"ok", true}, {"offset_seconds", r.offset_seconds}, {"rtt_seconds", r.rtt_seconds},
                             {"krb_error", r.error_name}, {"krb_error_code", r.error_code}};
  };
}

TimeReadingTask ldap_task(ProbeContext& ctx, std::string host, SteadyTime deadline) {
  return [&ctx, host, deadline]() -> asio::awaitable<nlohmann::json> {
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (timeout.count() <= 0) co_return nlohmann::json{{"ok", false}, {"error", "no time left"}};
    auto sent = std::chrono::system_clock::now();
    // Named first, then moved in: GCC 12 frees a bad pointer when a lambda capturing a std::string
    // is written directly inside the co_await expression.
    std::function<Result<RootDse>()> read = [host, timeout] { return read_root_dse(host, kLdapPort, timeout); };
    auto dse = co_await run_blocking<Result<RootDse>>(ctx.blocking, deadline, std::move(read));
    auto received = std::chrono::system_clock::now();
    if (!dse) co_return nlohmann::json{{"ok", false}, {"error", "no rootDSE reply before the deadline"}};
    if (!dse->ok()) co_return nlohmann::json{{"ok", false}, {"error", dse->error()}};
    if (!dse->value().current_time) co_return nlohmann::json{{"ok", false}, {"error", "rootDSE has no currentTime"}};
    // currentTime is truncated to the second: compare with our clock at the midpoint, +0.5 s.
    auto midpoint = sent + (received - sent) / 2;
    double offset = std::chrono::duration<double>(*dse->value().current_time - midpoint).count() + 0.5;
    co_return nlohmann::json{{"ok", true}, {"offset_seconds", offset}, {"resolution_seconds", 1},
                             {"rtt_seconds", std::chrono::duration<double>(received - sent).count()}};
  };
}

// Exchange's SMTP banner ends in its clock ("... ready at Thu, 14 Mar 2024 10:21:33 +0000"), and
// member servers rarely serve NTP: this is how the peer's own clock is read. The date is
// truncated to the second, so it is compared with our clock at the midpoint of the exchange, +0.5 s.
TimeReadingTask smtp_banner_task(ProbeContext& ctx, std::string host, std::vector<uint16_t> ports, SteadyTime deadline) {
  return [&ctx, host, ports, deadline]() -> asio::awaitable<nlohmann::json> {
    std::string last_error = "no SMTP port to read a banner from";
    for (const uint16_t port : ports) {
      const auto sent = std::chrono::system_clock::now();
      auto r = co_await smtp_ehlo(ctx, host, port, local_host_name(), deadline);
      const auto received = std::chrono::system_clock::now();
      if (r.banner.empty()) {
        last_error = "port " + std::to_string(port) + ": " + (r.error.empty() ? "no banner" : r.error);
        continue;
      }
      const auto at = ifind(r.banner, "ready at ");
      auto date = at == std::string::npos ? std::nullopt : parse_rfc5322_date(std::string_view(r.banner).substr(at + 9));
      if (!date) co_return nlohmann::json{{"ok", false}, {"port", port}, {"error", "the banner carries no date: " + printable_ascii(r.banner)}};
      const auto midpoint = sent + (received - sent) / 2;
      const double offset = std::chrono::duration<double>(*date - midpoint).count() + 0.5;
      co_return nlohmann::json{{"ok", true}, {"offset_seconds", offset}, {"resolution_seconds", 1}, {"port", port},
                               {"rtt_seconds", std::chrono::duration<double>(received - sent).count()}};
    }
    co_return nlohmann::json{{"ok", false}, {"error", last_error}};
  };
}

}  // namespace

Finding judge_clock(const std::string& target, bool is_dc, const nlohmann::json& readings, const ProbeSettings& settings) {
  Finding f{"clock", target, FindingStatus::Ok, "", {{"readings", readings}}, ""};
  double worst = 0, low = 0, high = 0;
  bool any = false;
  std::string worst_method;
  std::vector<std::string> failed;
  for (const auto& [method, r] : readings.items()) {
    if (!r.value("ok", false)) {
      failed.push_back(method);
      continue;
    }
    double off = r["offset_seconds"].get<double>();
    if (!any || std::fabs(off) > std::fabs(worst)) worst = off, worst_method = method;
    low = any ? std::min(low, off) : off;
    high = any ? std::max(high, off) : off;
    any = true;
  }
  if (!any) {
    f.status = FindingStatus::Error;
    f.summary = "could not read the clock of " + target + " by any method";
    if (!is_dc) f.summary += " (member servers often serve no NTP; the DCs' readings still count)";
    return f;
  }
  const double warn = static_cast<double>(settings.warn_skew.count()), fail = static_cast<double>(settings.fail_skew.count());
  f.evidence["offset_seconds"] = worst;
  f.evidence["method"] = worst_method;
  f.evidence["spread_seconds"] = high - low;
  f.evidence["warn_seconds"] = warn;
  f.evidence["fail_seconds"] = fail;
  f.status = std::fabs(worst) >= fail ? FindingStatus::Fail : std::fabs(worst) >= warn ? FindingStatus::Warn : FindingStatus::Ok;
  f.summary = target + " clock " + clock_offset_text(worst) + " (" + worst_method + ")";
  if (f.status == FindingStatus::Fail)
    f.summary += ": beyond Kerberos MaxClockSkew (" + std::to_string(settings.fail_skew.count()) + " s)";
  if (high - low > kDisagreementSeconds) {
    f.evidence["methods_disagree"] = true;
    f.summary += "; methods disagree by " + clock_offset_text(high - low).substr(1);
  }
  if (!failed.empty()) {
    std::string list;
    for (const auto& m : failed) list += (list.empty() ? "" : ", ") + m;
    f.evidence["unavailable"] = failed;
    f.summary += "; no reading by " + list;
  }
  if (f.status != FindingStatus::Ok) {
    f.remediation = is_dc ? "Correct the time on " + target +
                                ": fix its time source (the PDC emulator syncs from a reliable external source, other DCs from "
                                "the domain hierarchy), then run `w32tm /resync /rediscover` on it and check `w32tm /query /status`."
                          : "Correct the time on " + target + ": run `w32tm /resync` on it and check `w32tm /query /source` "
                                                              "(members sync from the domain hierarchy).";
  }
  return f;
}

asio::awaitable<std::vector<Finding>> ClockProbe::run(ProbeContext& ctx) {
  std::vector<Finding> findings;
  const SteadyTime deadline = std::chrono::steady_clock::now() + ctx.settings.deadline;
  if (ctx.targets.dcs.empty() && ctx.targets.peer.empty()) {
    findings.push_back({"clock", "", FindingStatus::Skipped, "no domain controller or peer to measure", {}, ""});
    co_return findings;
  }
  // One flat list of readings, all at once; each knows its target and method.
  struct Slot {
    std::string target;
    std::string method;
    bool is_dc;
  };
  std::vector<Slot> slots;
  std::vector<TimeReadingTask> tasks;
  for (const auto& dc : ctx.targets.dcs) {
    slots.push_back({dc, "sntp", true});
    tasks.push_back(sntp_task(ctx, dc, deadline));
    slots.push_back({dc, "kerberos_udp", true});
    tasks.push_back(kerberos_task(ctx, dc, KdcTransport::Udp, deadline));
    slots.push_back({dc, "kerberos_tcp", true});
    tasks.push_back(kerberos_task(ctx, dc, KdcTransport::Tcp, deadline));
    slots.push_back({dc, "ldap", true});
    tasks.push_back(ldap_task(ctx, dc, deadline));
  }
  if (!ctx.targets.peer.empty()) {
    auto host = host_part(ctx.targets.peer);
    slots.push_back({host, "sntp", false});
    tasks.push_back(sntp_task(ctx, host, deadline));
    if (auto smtp = parse_smtp_peer(ctx.targets.peer, ctx.targets.peer_smtp_ports)) {
      slots.push_back({host, "smtp_banner", false});
      tasks.push_back(smtp_banner_task(ctx, host, smtp.value().ports, deadline));
    }
  }
  auto results = co_await gather<nlohmann::json>(std::move(tasks));
  std::vector<std::pair<std::string, bool>> order;
  std::map<std::string, nlohmann::json> by_target;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!by_target.count(slots[i].target)) order.push_back({slots[i].target, slots[i].is_dc});
    by_target[slots[i].target][slots[i].method] = results[i] ? *results[i] : nlohmann::json{{"ok", false}, {"error", "internal error"}};
  }
  for (const auto& [target, is_dc] : order) findings.push_back(judge_clock(target, is_dc, by_target[target], ctx.settings));
  co_return findings;
}

}  // namespace authwatch::probes
