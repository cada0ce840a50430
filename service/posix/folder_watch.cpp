// inotify: one descriptor for every folder, read by Asio when it becomes readable. The events'
// content does not matter (the pass looks at every file anyway): they are drained and the
// callback fires once.
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "service/folder_watch.hpp"

namespace authwatch::service {

struct FolderWatch::Impl {
  explicit Impl(boost::asio::io_context& io) : descriptor(io) {}
  boost::asio::posix::stream_descriptor descriptor;
  std::vector<std::string> problems;
  int watched = 0;
};

FolderWatch::FolderWatch(boost::asio::io_context& io, const std::vector<std::string>& folders)
    : impl_(std::make_unique<Impl>(io)) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    impl_->problems.push_back(std::string("inotify_init1: ") + std::strerror(errno));
    return;
  }
  impl_->descriptor.assign(fd);
  constexpr uint32_t kChanges = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
  for (const auto& folder : folders) {
    if (inotify_add_watch(fd, folder.c_str(), kChanges) < 0)
      impl_->problems.push_back(folder + ": inotify_add_watch: " + std::strerror(errno));
    else
      ++impl_->watched;
  }
}

FolderWatch::~FolderWatch() = default;

void FolderWatch::async_wait(std::function<void()> on_change) {
  if (!impl_->watched) return;
  impl_->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                               [this, on_change = std::move(on_change)](const boost::system::error_code& ec) {
                                 if (ec) return;  // cancelled
                                 alignas(inotify_event) char buffer[16 * 1024];
                                 while (read(impl_->descriptor.native_handle(), buffer, sizeof buffer) > 0) {
                                 }
                                 on_change();
                               });
}

void FolderWatch::cancel() {
  boost::system::error_code ignored;
  impl_->descriptor.cancel(ignored);
}

const std::vector<std::string>& FolderWatch::problems() const { return impl_->problems; }
bool FolderWatch::watching() const { return impl_->watched > 0; }

}  // namespace authwatch::service
