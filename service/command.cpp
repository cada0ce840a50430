#include "service/command.hpp"

#include <algorithm>
#include <utility>  // before Boost.Asio (GCC 12 / Boost 1.74)

#include <boost/asio/io_context.hpp>
// Boost 1.74's Boost.Process uses the SAL annotation __kernel_entry, which MinGW-w64's headers do
// not define (it is empty in the Windows SDK too).
#if defined(__MINGW32__) && !defined(__kernel_entry)
#define __kernel_entry
#endif
#include <boost/process.hpp>

#include "service/system_program.hpp"

namespace authwatch::service {
namespace bp = boost::process;

namespace {

std::string first_line(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_first_of("\r\n", begin);
  std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  return line.size() > 300 ? line.substr(0, 297) + "..." : line;
}

}  // namespace

std::string CommandResult::problem() const {
  if (!started) return error;
  if (timed_out) return "timed out after " + std::to_string(timeout.count() / 1000) + " s (killed)";
  if (exit_code != 0) {
    const auto why = first_line(err);
    return "exit code " + std::to_string(exit_code) + (why.empty() ? "" : ": " + why);
  }
  return "";
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    line += a.find_first_of(" \t\"'") == std::string::npos && !a.empty() ? a : "\"" + a + "\"";
  }
  return line;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const std::atomic<bool>* cancel) {
  CommandResult r;
  r.timeout = timeout;
  const auto started_at = std::chrono::steady_clock::now();
  if (argv.empty()) {
    r.error = "no command configured";
    return r;
  }
  boost::filesystem::path exe = argv[0];
  const auto system = system_program(argv[0]);
  if (system) exe = *system;
  else if (argv[0].find_first_of("/\\") == std::string::npos) exe = bp::search_path(argv[0]);
  r.executable = exe.string();
  if (exe.empty() || !boost::filesystem::exists(exe)) {
    r.error = "command not found: " + (system ? *system + " (" + argv[0] + " is run from the system folder, never looked up in PATH)" : argv[0]);
    return r;
  }
  boost::asio::io_context io;
  std::future<std::string> out, err;
  std::error_code ec;
  bp::group group;  // a shell's children are killed with it at the deadline
  bp::child child(exe, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), bp::std_in.close(), bp::std_out > out,
                  bp::std_err > err, io, group, ec);
  if (ec) {
    r.error = "cannot start " + argv[0] + ": " + ec.message();
    return r;
  }
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!io.stopped() && std::chrono::steady_clock::now() < deadline && !(cancel && *cancel))
    io.run_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds{100}, deadline - std::chrono::steady_clock::now()));
  if (!io.stopped()) {
    r.timed_out = true;
    group.terminate(ec);
    io.restart();
    io.run_for(std::chrono::seconds{2});  // the pipes close once the group is gone
  }
  child.wait(ec);
  r.exit_code = r.timed_out ? -1 : child.exit_code();
  // A pipe that broke leaves its future holding an exception: that output is simply not there.
  try {
    if (out.wait_for(std::chrono::seconds{0}) == std::future_status::ready) r.out = out.get();
    if (err.wait_for(std::chrono::seconds{0}) == std::future_status::ready) r.err = err.get();
  } catch (const std::exception&) {
  }
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);
  return r;
}

}  // namespace authwatch::service
