// Windows: LockFileEx(LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY) on the first byte of
// "<database>.lock", a handle not inherited by the commands the monitor runs. The rest of the
// file (the pid, from byte 1 on) stays readable by the second monitor for its message.
#include <filesystem>
#include <string>

#include "platform/win/win_error.hpp"
#include "service/instance_lock.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>

namespace authwatch::service {
namespace {

using platform::win::error_text;

}  // namespace

struct InstanceLock::Handle {
  std::string path;
  HANDLE file = INVALID_HANDLE_VALUE;
  ~Handle() {
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);  // releases the lock
  }
};

Result<InstanceLock> InstanceLock::acquire(const std::string& database) {
  auto handle = std::make_unique<Handle>();
  handle->path = database + ".lock";
  SECURITY_ATTRIBUTES not_inherited{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  handle->file = CreateFileW(std::filesystem::path(handle->path).wstring().c_str(), GENERIC_READ | GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE, &not_inherited, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle->file == INVALID_HANDLE_VALUE)
    return Error{handle->path + ": cannot create the lock file: " + error_text(GetLastError())};
  OVERLAPPED first_byte{};
  if (!LockFileEx(handle->file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &first_byte)) {
    const DWORD error = GetLastError();
    if (error != ERROR_LOCK_VIOLATION && error != ERROR_IO_PENDING)
      return Error{handle->path + ": cannot lock: " + error_text(error)};
    char owner[32] = {};
    DWORD n = 0;
    OVERLAPPED after_first{};
    after_first.Offset = 1;
    std::string pid = ReadFile(handle->file, owner, sizeof owner - 1, &n, &after_first) && n > 0 ? std::string(owner, n) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == '\r' || pid.back() == ' ')) pid.pop_back();
    return Error{"another monitor (pid " + pid + ") is using " + database + " (it holds " + handle->path + ")"};
  }
  // Byte 0 is the lock; the pid follows it.
  const std::string text = " " + std::to_string(GetCurrentProcessId()) + "\r\n";
  DWORD written = 0;
  OVERLAPPED at_start{};
  if (!WriteFile(handle->file, text.data(), static_cast<DWORD>(text.size()), &written, &at_start) || written != text.size())
    return Error{handle->path + ": cannot write the owner's pid: " + error_text(GetLastError())};
  SetFilePointer(handle->file, static_cast<LONG>(text.size()), nullptr, FILE_BEGIN);
  SetEndOfFile(handle->file);
  return InstanceLock(std::move(handle));
}

InstanceLock::InstanceLock(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
InstanceLock::InstanceLock(InstanceLock&&) noexcept = default;
InstanceLock& InstanceLock::operator=(InstanceLock&&) noexcept = default;
InstanceLock::~InstanceLock() = default;
const std::string& InstanceLock::path() const { return handle_->path; }

}  // namespace authwatch::service
