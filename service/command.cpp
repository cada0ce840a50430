#include "service/command.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>  // before Boost.Asio (GCC 12 / Boost 1.74)

#include <boost/asio/io_context.hpp>
// Boost 1.74's Boost.Process uses the SAL annotation __kernel_entry, which MinGW-w64's headers do
// not define (it is empty in the Windows SDK too).
#if defined(__MINGW32__) && !defined(__kernel_entry)
#define __kernel_entry
#endif
#include <boost/process.hpp>

#include "core/utf8.hpp"
#include "service/system_program.hpp"

namespace authwatch::service {
namespace bp = boost::process;

namespace {

std::string first_line(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_first_of("\r\n", begin);
  std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  return line.size() > 300 ? std::string(utf8_prefix(line, 297)) + "..." : line;
}

// Reads one of the child's pipes into `text` until it closes or `limit` bytes are held; a byte more
// and it stops reading and calls `over` (which kills the child): memory stays bounded whatever
// the command prints.
class CappedPipeReader {
 public:
  CappedPipeReader(boost::asio::io_context& io, uint64_t limit, std::function<void()> over)
      : pipe(io), limit_(limit), over_(std::move(over)) {}

  void start() {
    pipe.async_read_some(boost::asio::buffer(chunk_), [this](const boost::system::error_code& ec, size_t n) {
      const size_t room = static_cast<size_t>(limit_ - std::min<uint64_t>(limit_, text.size()));
      text.append(chunk_.data(), std::min(n, room));
      if (n > room) {
        over_();
        return;
      }
      if (!ec) start();  // else end of file or a broken pipe: what it printed is all there is
    });
  }

  bp::async_pipe pipe;
  std::string text;

 private:
  uint64_t limit_;
  std::function<void()> over_;
  std::array<char, 64 * 1024> chunk_{};
};

}  // namespace

std::string CommandResult::problem() const {
  if (!started) return error;
  if (timed_out) return "timed out after " + std::to_string(timeout.count() / 1000) + " s (killed)";
  if (!output_over.empty()) return "output over " + std::to_string(output_limit) + " bytes on " + output_over + " (killed)";
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

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const std::atomic<bool>* cancel,
                          OutputLimits limits) {
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
    r.error = "command not found: " + (system ? to_valid_utf8(*system) + " (" + to_valid_utf8(argv[0]) + " is run from the system folder, never looked up in PATH)"
                                              : to_valid_utf8(argv[0]));
    return r;
  }
  boost::asio::io_context io;
  CappedPipeReader out(io, limits.stdout_bytes, [&] { r.output_over = "stdout", r.output_limit = limits.stdout_bytes; });
  CappedPipeReader err(io, limits.stderr_bytes, [&] {
    if (r.output_over.empty()) r.output_over = "stderr", r.output_limit = limits.stderr_bytes;
  });
  std::error_code ec;
  bp::group group;  // a shell's children are killed with it at the deadline
  bp::child child(exe, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), bp::std_in.close(), bp::std_out > out.pipe,
                  bp::std_err > err.pipe, io, group, ec);
  if (ec) {
    r.error = "cannot start " + to_valid_utf8(argv[0]) + ": " + to_valid_utf8(ec.message());
    return r;
  }
  r.started = true;
  out.start();
  err.start();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!io.stopped() && r.output_over.empty() && std::chrono::steady_clock::now() < deadline && !(cancel && *cancel))
    io.run_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds{100}, deadline - std::chrono::steady_clock::now()));
  const bool killed = !io.stopped();
  if (killed) {
    r.timed_out = r.output_over.empty();
    group.terminate(ec);
    out.pipe.close();  // nothing more is read: pending reads end, the loop runs out of work
    err.pipe.close();
    io.restart();
    io.run_for(std::chrono::seconds{2});
  }
  child.wait(ec);
  r.exit_code = killed ? -1 : child.exit_code();
  r.out = to_valid_utf8(out.text, InvalidUtf8::Character);
  r.err = to_valid_utf8(err.text, InvalidUtf8::Visible);
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);
  return r;
}

}  // namespace authwatch::service
