#pragma once
// Runs the "ticket" probe as the engine would: one io_context, a two-thread blocking pool.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "probes/ticket_probe.hpp"

namespace authwatch::test {

inline std::vector<Finding> run_ticket_probe(const probes::ProbeTargets& targets, const probes::ProbeSettings& settings) {
  using namespace std::chrono_literals;
  boost::asio::io_context io;
  boost::asio::thread_pool pool(2);
  probes::ProbeContext ctx{io, pool, targets, settings};
  probes::TicketProbe probe;
  std::optional<std::vector<Finding>> out;
  boost::asio::co_spawn(io, probe.run(ctx), [&out](std::exception_ptr error, std::vector<Finding> findings) {
    if (!error) out = std::move(findings);
  });
  const auto give_up = std::chrono::steady_clock::now() + 30s;  // a hang fails the test, not the suite
  while (!out && std::chrono::steady_clock::now() < give_up) io.run_one_for(50ms);
  pool.join();
  if (!out) ADD_FAILURE() << "the ticket probe did not complete";
  return out.value_or(std::vector<Finding>{});
}

}  // namespace authwatch::test
