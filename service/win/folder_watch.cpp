// FindFirstChangeNotificationW per folder (file names, sizes, last writes), each handle waited on
// by Asio. NTFS reports a size change of a file another process keeps open only when the writer's
// data reaches the disk, so a line Exchange has written may wake the loop late: the poll still
// finds it then, as before.
#include <boost/asio/windows/object_handle.hpp>

#include "service/folder_watch.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>

#include <filesystem>

namespace authwatch::service {

struct FolderWatch::Impl {
  std::vector<std::unique_ptr<boost::asio::windows::object_handle>> handles;
  std::vector<std::string> problems;
};

FolderWatch::FolderWatch(boost::asio::io_context& io, const std::vector<std::string>& folders)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& folder : folders) {
    HANDLE h = FindFirstChangeNotificationW(
        std::filesystem::path(folder).wstring().c_str(), FALSE,
        FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE);
    if (h == INVALID_HANDLE_VALUE) {
      impl_->problems.push_back(folder + ": FindFirstChangeNotificationW failed (error " + std::to_string(GetLastError()) + ")");
      continue;
    }
    // object_handle closes it with CloseHandle; a change notification wants FindCloseChangeNotification,
    // which is the same for a handle of this kind (both close the kernel object).
    impl_->handles.push_back(std::make_unique<boost::asio::windows::object_handle>(io, h));
  }
}

FolderWatch::~FolderWatch() = default;

void FolderWatch::async_wait(std::function<void()> on_change) {
  if (impl_->handles.empty()) return;
  auto fired = std::make_shared<bool>(false);  // one callback per async_wait, whichever folder changes first
  auto callback = std::make_shared<std::function<void()>>(std::move(on_change));
  for (auto& handle : impl_->handles) {
    auto* object = handle.get();
    object->async_wait([this, object, fired, callback](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled
      FindNextChangeNotification(object->native_handle());  // re-arm this folder's notification
      if (*fired) return;
      *fired = true;
      cancel();  // the other folders' waits: the next async_wait starts them again
      (*callback)();
    });
  }
}

void FolderWatch::cancel() {
  for (auto& handle : impl_->handles) {
    boost::system::error_code ignored;
    handle->cancel(ignored);
  }
}

const std::vector<std::string>& FolderWatch::problems() const { return impl_->problems; }
bool FolderWatch::watching() const { return !impl_->handles.empty(); }

}  // namespace authwatch::service
