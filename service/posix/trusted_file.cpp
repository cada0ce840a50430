// POSIX: trusted files checked with fstat on the descriptor opened (O_NOFOLLOW, O_NONBLOCK so a
// FIFO does not block the open); the queue snapshot created with O_CREAT | O_EXCL | O_NOFOLLOW, 0600.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "service/trusted_file.hpp"

namespace authwatch::service {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

std::string octal_mode(const struct stat& st) {
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return octal;
}

// Why a file with this owner and mode must not be trusted, or "" when it may be.
std::string untrusted_because(const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return S_ISDIR(st.st_mode) ? "it is a folder, not a file" : "it is not a regular file (a FIFO, socket or device)";
  if (st.st_uid != 0 && st.st_uid != geteuid())
    return "it is owned by uid " + std::to_string(st.st_uid) + ", neither root nor the account the service runs as (uid " +
           std::to_string(geteuid()) + "): that account could change what the service does";
  if (st.st_mode & S_IWOTH) return "anyone may write to it (mode " + octal_mode(st) + ")";
  if ((st.st_mode & S_IWGRP) && st.st_gid != 0 && st.st_gid != getegid())
    return "the members of group " + std::to_string(st.st_gid) + " may write to it (neither root's group nor the service's)";
  return "";
}

}  // namespace

struct TrustedFile::Handle {
  std::string path;
  int fd = -1;
  ~Handle() {
    if (fd >= 0) close(fd);
  }
};

TrustedFile::TrustedFile(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
TrustedFile::TrustedFile(TrustedFile&&) noexcept = default;
TrustedFile& TrustedFile::operator=(TrustedFile&&) noexcept = default;
TrustedFile::~TrustedFile() = default;

Result<TrustedFile> TrustedFile::open(const std::string& path) {
  auto handle = std::make_unique<Handle>();
  handle->path = path;
  handle->fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (handle->fd < 0) {
    const int error = errno;
    if (error == ELOOP) return Error{path + ": refused: it is a symbolic link, not a file of its own"};
    return Error{path + ": cannot open it: " + errno_text(error)};
  }
  struct stat st {};
  if (fstat(handle->fd, &st) != 0) return Error{path + ": cannot read what it is: " + errno_text(errno)};
  if (auto why = untrusted_because(st); !why.empty())
    return Error{path + ": refused: " + why + ". The file the service runs on must be owned by root (or the service's account) "
                 "and writable by nobody else (chown root, chmod go-w)"};
  fcntl(handle->fd, F_SETFL, fcntl(handle->fd, F_GETFL) & ~O_NONBLOCK);
  return TrustedFile(std::move(handle));
}

Result<std::string> TrustedFile::read(std::size_t max_bytes) {
  std::string out;
  char buffer[65536];
  while (true) {
    const ssize_t n = pread(handle_->fd, buffer, sizeof buffer, static_cast<off_t>(out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{handle_->path + ": cannot read it: " + errno_text(errno)};
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      return Error{handle_->path + ": refused: more than the " + std::to_string(max_bytes) + " bytes such a file may have"};
    out.append(buffer, static_cast<size_t>(n));
  }
}

Result<std::string> read_trusted_file(const std::string& path, std::size_t max_bytes) {
  auto file = TrustedFile::open(path);
  if (!file) return Error{file.error()};
  return file.value().read(max_bytes);
}

Result<void> write_new_file(const std::string& path, std::string_view content) {
  // unlink removes a symbolic link itself, never its target.
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return Error{path + ": refused: something is already there and cannot be removed: " + errno_text(errno)};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return Error{path + (error == EEXIST ? ": refused: created again by someone else after the leftover was removed"
                                         : ": cannot create it: " + errno_text(error))};
  }
  size_t done = 0;
  int error = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && !error) error = errno;
  if (error) {
    unlink(path.c_str());
    return Error{path + ": cannot write it: " + errno_text(error)};
  }
  return {};
}

}  // namespace authwatch::service
