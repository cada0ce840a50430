#pragma once
// Exchange's own maintenance switch: while the server's ServerWideOffline component is Inactive
// (Set-ServerComponentState ... -State Inactive before patching), alerts are held back. A command
// prints the state (Config::default_offline_state_command on Windows); it runs on the monitor's
// pool every check interval. A command that fails leaves the last known state and is reported
// once: alerts rather go out than stay silent because of a broken check.
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "core/clock.hpp"
#include "service/command.hpp"

namespace authwatch::service {

class OfflineStateWatch {
 public:
  // `clock` (steady_now) says when the next check is due; it outlives the watch.
  OfflineStateWatch(std::vector<std::string> command, std::chrono::seconds interval, std::chrono::seconds timeout,
                    boost::asio::thread_pool& pool, const Clock& clock);
  ~OfflineStateWatch() { *cancel_ = true; }

  // Takes a finished check, starts the next when due. `problem` receives a failing check's
  // reason (once per new problem).
  void poll(std::vector<std::string>& problems);
  bool offline() const { return offline_; }  // ServerWideOffline is Inactive
  std::string state() const { return state_; }  // as the command printed it, "" before the first answer
  void stop() { *cancel_ = true; }
  // After poll(): how long the loop may sleep before the next check is due (a running one: `poll`).
  std::chrono::milliseconds wait_allowed(std::chrono::milliseconds poll, SteadyTime now) const {
    if (running_) return poll;
    return next_ <= now ? std::chrono::milliseconds{0} : std::chrono::ceil<std::chrono::milliseconds>(next_ - now);
  }

 private:
  std::vector<std::string> command_;
  std::chrono::seconds interval_, timeout_;
  boost::asio::thread_pool& pool_;
  const Clock& clock_;
  std::optional<std::future<CommandResult>> running_;
  SteadyTime next_{};
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  bool offline_ = false;
  std::string state_, problem_;
};

}  // namespace authwatch::service
