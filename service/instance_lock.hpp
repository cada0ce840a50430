#pragma once
// One monitor per database. Two monitors on one database (the service, and an administrator's
// `authwatch-service --console` started to look at something) would follow the same files and
// race each other's incident changes and alerts. The monitor holds an exclusive lock on
// "<database>.lock" for as long as it runs; the operating system drops it when the process ends,
// however it ends (a kill -9 leaves no stale lock). The file holds the owner's pid, for the
// message the second one prints. Implementations: service/posix (flock) and service/win
// (LockFileEx) — the handle is behind a pimpl.
#include <memory>
#include <string>

#include "core/result.hpp"

namespace authwatch::service {

class InstanceLock {
 public:
  // Fails when another process (or another InstanceLock in this one) holds the database's lock,
  // naming its pid, or when the lock file cannot be created.
  static Result<InstanceLock> acquire(const std::string& database);

  InstanceLock(InstanceLock&&) noexcept;
  InstanceLock& operator=(InstanceLock&&) noexcept;
  ~InstanceLock();

  const std::string& path() const;

 private:
  struct Handle;
  explicit InstanceLock(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

}  // namespace authwatch::service
