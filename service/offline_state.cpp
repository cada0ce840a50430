#include "service/offline_state.hpp"

#include <boost/asio/post.hpp>

#include "core/text.hpp"
#include "core/utf8.hpp"

namespace authwatch::service {

OfflineStateWatch::OfflineStateWatch(std::vector<std::string> command, std::chrono::seconds interval, std::chrono::seconds timeout,
                                     boost::asio::thread_pool& pool, const Clock& clock)
    : command_(std::move(command)), interval_(interval), timeout_(timeout), pool_(pool), clock_(clock) {}

void OfflineStateWatch::poll(std::vector<std::string>& problems) {
  if (running_ && running_->wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
    auto result = running_->get();
    running_.reset();
    std::string problem = result.problem();
    const std::string printed(trim(result.out));
    if (problem.empty()) {
      if (iequals(printed, "Inactive") || iequals(printed, "Active")) {
        state_ = iequals(printed, "Inactive") ? "Inactive" : "Active";
        offline_ = state_ == "Inactive";
      } else {
        problem = "printed \"" + utf8_excerpt(printed, 80) + "\", expected Active or Inactive";
      }
    }
    if (!problem.empty() && problem != problem_)
      problems.push_back("ServerWideOffline check (" + std::string(utf8_prefix(command_line(command_), 80)) + "): " + problem +
                         "; the last known state stays (" + (state_.empty() ? "unknown: alerts go out" : state_) + ")");
    problem_ = problem;
  }
  if (!running_ && clock_.steady_now() >= next_) {
    auto task = std::make_shared<std::packaged_task<CommandResult()>>(
        [argv = command_, timeout = std::chrono::milliseconds(timeout_), cancel = cancel_] { return run_command(argv, timeout, cancel.get()); });
    running_ = task->get_future();
    boost::asio::post(pool_, [task] { (*task)(); });
    next_ = clock_.steady_now() + interval_;
  }
}

}  // namespace authwatch::service
