// POSIX: flock(LOCK_EX | LOCK_NB) on "<database>.lock". flock locks belong to the open file
// description, so a second InstanceLock in the same process conflicts too (as on Windows).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "service/instance_lock.hpp"

namespace authwatch::service {

struct InstanceLock::Handle {
  std::string path;
  int fd = -1;
  ~Handle() {
    if (fd >= 0) close(fd);  // releases the lock; the file stays (removing it would race a new owner)
  }
};

Result<InstanceLock> InstanceLock::acquire(const std::string& database) {
  auto handle = std::make_unique<Handle>();
  handle->path = database + ".lock";
  handle->fd = open(handle->path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (handle->fd < 0) return Error{handle->path + ": cannot create the lock file: " + std::strerror(errno)};
  if (flock(handle->fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error != EWOULDBLOCK) return Error{handle->path + ": cannot lock: " + std::strerror(error)};
    char owner[32] = {};
    const ssize_t n = pread(handle->fd, owner, sizeof owner - 1, 0);
    std::string pid = n > 0 ? std::string(owner, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Error{"another monitor (pid " + pid + ") is using " + database + " (it holds " + handle->path + ")"};
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(handle->fd, 0) != 0 || pwrite(handle->fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return Error{handle->path + ": cannot write the owner's pid: " + std::strerror(errno)};
  return InstanceLock(std::move(handle));
}

InstanceLock::InstanceLock(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
InstanceLock::InstanceLock(InstanceLock&&) noexcept = default;
InstanceLock& InstanceLock::operator=(InstanceLock&&) noexcept = default;
InstanceLock::~InstanceLock() = default;
const std::string& InstanceLock::path() const { return handle_->path; }

}  // namespace authwatch::service
