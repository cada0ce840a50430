#pragma once
// Deadlines for probe I/O. Two tools, both single-threaded on the probe's io_context:
//  - Deadline closes every socket it guards when the time is up, so a pending read/write/connect
//    completes at once with operation_aborted whatever the peer does (silence, slow drip).
//  - run_blocking runs a blocking call (libldap, res_nquery, GSSAPI) on the thread pool and
//    resumes the coroutine with its result, or with nullopt when the deadline passes first.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace authwatch::probes {

using SteadyTime = std::chrono::steady_clock::time_point;

class Deadline {
 public:
  Deadline(boost::asio::any_io_executor executor, SteadyTime at) : state_(std::make_shared<State>(executor)) {
    state_->timer.expires_at(at);
    state_->timer.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec || !state->active) return;
      state->expired = true;
      for (auto& close : state->closers) close();
    });
  }
  ~Deadline() {
    state_->active = false;
    state_->closers.clear();
    state_->timer.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The socket must outlive this Deadline (declare sockets before it).
  template <class Socket>
  void guard(Socket& socket) {
    state_->closers.push_back([&socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }

  bool expired() const { return state_->expired; }
  SteadyTime at() const { return state_->timer.expiry(); }
  std::chrono::milliseconds remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at() - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds{0};
  }

 private:
  struct State {
    explicit State(boost::asio::any_io_executor ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    std::vector<std::function<void()>> closers;
    bool active = true;
    bool expired = false;
  };
  std::shared_ptr<State> state_;
};

// `fn` must own everything it touches (capture by value): after a timeout it keeps running on
// the pool while the probe has moved on.
template <class T>
boost::asio::awaitable<std::optional<T>> run_blocking(boost::asio::thread_pool& pool, SteadyTime deadline,
                                                      std::function<T()> fn) {
  auto executor = co_await boost::asio::this_coro::executor;
  struct Shared {
    explicit Shared(boost::asio::any_io_executor ex) : wake(ex) {}
    boost::asio::steady_timer wake;
    std::optional<T> result;
    bool done = false;
  };
  auto shared = std::make_shared<Shared>(executor);
  shared->wake.expires_at(deadline);
  boost::asio::post(pool, [shared, fn = std::move(fn), executor]() mutable {
    std::optional<T> value;
    try {
      value = fn();
    } catch (...) {
      value.reset();
    }
    boost::asio::post(executor, [shared, value = std::move(value)]() mutable {
      shared->result = std::move(value);
      shared->done = true;
      shared->wake.cancel();
    });
  });
  boost::system::error_code ec;
  co_await shared->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  if (!shared->done) co_return std::nullopt;
  co_return std::move(shared->result);
}

// Runs the tasks concurrently on the current executor and returns their results in order (a
// task that threw gives nullopt). Each task keeps its own deadline; gather adds none.
template <class T>
boost::asio::awaitable<std::vector<std::optional<T>>> gather(std::vector<std::function<boost::asio::awaitable<T>()>> tasks) {
  auto executor = co_await boost::asio::this_coro::executor;
  struct Shared {
    explicit Shared(boost::asio::any_io_executor ex, size_t n) : wake(ex), results(n), remaining(n) {}
    boost::asio::steady_timer wake;
    std::vector<std::optional<T>> results;
    size_t remaining;
  };
  auto shared = std::make_shared<Shared>(executor, tasks.size());
  if (tasks.empty()) co_return std::move(shared->results);
  shared->wake.expires_at(SteadyTime::max());
  for (size_t i = 0; i < tasks.size(); ++i) {
    boost::asio::co_spawn(executor, std::move(tasks[i]), [shared, i](std::exception_ptr error, T value) {
      if (!error) shared->results[i] = std::move(value);
      if (--shared->remaining == 0) shared->wake.cancel();
    });
  }
  boost::system::error_code ec;
  co_await shared->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  co_return std::move(shared->results);
}

}  // namespace authwatch::probes
