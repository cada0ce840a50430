#pragma once
// Starts a scripted peer (a Python script under tests/peers/) as a child process and waits, with
// a time limit, for its "READY <port>" line. The child is killed when the PeerProcess goes away.
// Its stdin is a pipe this process holds open: a peer started with --exit-when-stdin-closes also
// goes away when the test process dies without reaching stop().
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/process.hpp>

namespace authwatch::test {

class PeerProcess {
 public:
  // `script` is a path; `args` follow it. Returns false (with why()) when python3 is missing,
  // the child dies, or READY does not come within `wait`.
  bool start(const std::string& script, const std::vector<std::string>& args,
             std::chrono::milliseconds wait = std::chrono::seconds{10}) {
    namespace bp = boost::process;
    auto python = bp::search_path("python3");
    if (python.empty()) return failed("python3 not found on PATH");
    std::vector<std::string> argv{script};
    argv.insert(argv.end(), args.begin(), args.end());
    pipe_ = std::make_unique<bp::async_pipe>(io_);
    std::error_code ec;
    child_ = std::make_unique<bp::child>(python, bp::args(argv), bp::std_out > *pipe_, bp::std_in < stdin_, ec);
    if (ec) return failed("cannot start " + script + ": " + ec.message());

    std::string output;
    bool got_line = false;
    boost::asio::async_read_until(*pipe_, boost::asio::dynamic_buffer(output), '\n',
                                  [&](const boost::system::error_code& error, size_t) { got_line = !error; });
    io_.run_for(wait);
    if (!got_line) return failed(script + " did not print READY within " + std::to_string(wait.count()) + " ms");
    unsigned parsed = 0;
    if (std::sscanf(output.c_str(), "READY %u", &parsed) != 1 || parsed == 0 || parsed > 65535)
      return failed(script + " printed \"" + output + "\" instead of READY <port>");
    port_ = static_cast<uint16_t>(parsed);
    return true;
  }

  uint16_t port() const { return port_; }
  const std::string& why() const { return why_; }

  void stop() {
    if (child_ && child_->running()) {
      std::error_code ignored;
      child_->terminate(ignored);
      child_->wait(ignored);
    }
    child_.reset();
  }
  ~PeerProcess() { stop(); }

 private:
  bool failed(std::string why) {
    why_ = std::move(why);
    stop();
    return false;
  }

  boost::asio::io_context io_;
  std::unique_ptr<boost::process::async_pipe> pipe_;
  boost::process::pipe stdin_;
  std::unique_ptr<boost::process::child> child_;
  uint16_t port_ = 0;
  std::string why_;
};

}  // namespace authwatch::test
