#pragma once
// Wakes the monitor's loop as soon as something changes in a watched folder (a line appended to
// a protocol log, a file created, renamed or deleted) instead of at the next poll: the alert goes
// out within milliseconds of the line, and an idle server costs one blocked wait, not a directory
// walk four times a second. The poll stays as the safety net (a change the system does not report,
// a folder that could not be watched). Implementations: service/posix (inotify) and service/win
// (FindFirstChangeNotificationW), each an Asio wait on the loop's io_context, behind a pimpl.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace authwatch::service {

class FolderWatch {
 public:
  FolderWatch(boost::asio::io_context& io, const std::vector<std::string>& folders);
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // Calls on_change (on the io_context) once, at the first change after this call; call again to
  // hear about the next one. Changes between two calls are not lost: they fire the next wait.
  void async_wait(std::function<void()> on_change);
  void cancel();

  // The folders that could not be watched, each with the reason (polling still covers them).
  const std::vector<std::string>& problems() const;
  bool watching() const;  // at least one folder is watched

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authwatch::service
