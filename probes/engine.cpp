#include "probes/engine.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;

// A probe reports its own deadline errors; this grace lets it do so before the engine steps in.
constexpr std::chrono::milliseconds kGrace{300};

struct Slot {
  bool done = false;
  std::vector<Finding> findings;
};

// Blocking calls (libldap, libkrb5, res_nquery) wait on the network, not the CPU. Each probe may
// have one in flight per DC (plus the GC and the peer) at once; against a silent DC every one of
// them waits out its timeout, and a smaller pool would queue the others' calls behind them until
// their deadlines passed unasked.
size_t blocking_threads(size_t probes, size_t dcs) { return std::min<size_t>(64, probes * (std::max<size_t>(dcs, 1) + 2)); }

void run_phase(std::vector<Probe*> phase, ProbeTargets& targets, const ProbeSettings& settings, std::vector<Finding>& out) {
  if (phase.empty()) return;
  // The pool is declared after the io_context so it is joined first: a blocking call finishing
  // late still posts into a live io_context.
  asio::io_context io;
  asio::thread_pool blocking(blocking_threads(phase.size(), targets.dcs.size()));
  ProbeContext ctx{io, blocking, targets, settings};
  std::vector<Slot> slots(phase.size());
  std::vector<std::unique_ptr<asio::steady_timer>> watchdogs;
  for (size_t i = 0; i < phase.size(); ++i) {
    Probe* probe = phase[i];
    asio::co_spawn(
        io,
        [probe, &ctx]() -> asio::awaitable<std::vector<Finding>> { co_return co_await probe->run(ctx); },
        [&slots, i, probe](std::exception_ptr error, std::vector<Finding> findings) {
          if (slots[i].done) return;  // the watchdog already reported it
          slots[i].done = true;
          if (error) {
            std::string what = "unknown exception";
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              what = e.what();
            } catch (...) {
            }
            slots[i].findings.push_back({probe->name(), "", FindingStatus::Error, "probe failed: " + what, {}, ""});
          } else {
            slots[i].findings = std::move(findings);
          }
        });
    const auto budget = probe->budget(settings);
    auto watchdog = std::make_unique<asio::steady_timer>(io, budget + kGrace);
    watchdog->async_wait([&slots, i, probe, budget](const boost::system::error_code& ec) {
      if (ec || slots[i].done) return;
      slots[i].done = true;
      slots[i].findings.push_back({probe->name(), "", FindingStatus::Error,
                                   "did not finish within its " + std::to_string(budget.count()) + " ms deadline",
                                   {{"deadline_ms", budget.count()}}, ""});
    });
    watchdogs.push_back(std::move(watchdog));
  }
  auto all_done = [&] { return std::all_of(slots.begin(), slots.end(), [](const Slot& s) { return s.done; }); };
  while (!all_done()) io.run_one_for(std::chrono::milliseconds{50});
  io.stop();  // abandoned coroutines are destroyed with the io_context
  for (auto& s : slots) out.insert(out.end(), std::make_move_iterator(s.findings.begin()), std::make_move_iterator(s.findings.end()));
}

}  // namespace

std::chrono::milliseconds run_bound(const std::vector<std::unique_ptr<Probe>>& probes, const ProbeSettings& settings) {
  std::chrono::milliseconds discovery{0}, rest{0};
  for (const auto& p : probes) {
    auto& phase = p->name() == "dns" ? discovery : rest;
    phase = std::max(phase, p->budget(settings) + kGrace);
  }
  return discovery + rest;
}

ProbeRunResult run_probes(std::vector<std::unique_ptr<Probe>> probes, ProbeTargets targets, const ProbeSettings& settings) {
  SystemClock clock;
  ProbeRunResult result;
  result.started = clock.now();
  if (targets.realm.empty()) {
    targets.realm = targets.domain;
    for (auto& c : targets.realm) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  std::vector<Probe*> discovery, rest;
  for (auto& p : probes) (p->name() == "dns" ? discovery : rest).push_back(p.get());

  run_phase(discovery, targets, settings, result.findings);
  if (targets.dcs.empty()) {
    // The dns probe lists what it found as evidence "discovered_dcs".
    for (const auto& f : result.findings)
      if (f.probe == "dns" && f.evidence.contains("discovered_dcs"))
        for (const auto& dc : f.evidence["discovered_dcs"])
          if (dc.is_string() && std::find(targets.dcs.begin(), targets.dcs.end(), dc.get<std::string>()) == targets.dcs.end())
            targets.dcs.push_back(dc.get<std::string>());
  }
  run_phase(rest, targets, settings, result.findings);
  result.finished = clock.now();
  return result;
}

}  // namespace authwatch::probes
