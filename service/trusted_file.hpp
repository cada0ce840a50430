#pragma once
// Files the service takes orders from or hands to itself: its config file (it names the commands
// the service runs, as LocalSystem on Windows, as root or a system account on Linux) and the queue
// snapshot it writes and then reads back. Such a file is refused, with the reason, when someone
// other than the administrators and the service's own account could have changed it; the snapshot
// is written to a file created exclusively, never to one someone else left or linked there.
// Implementations: service/win/trusted_file.cpp, service/posix/trusted_file.cpp.
//
// Windows: checked on the open handle (GetSecurityInfo, service/win/file_security.hpp): the owner
// is SYSTEM, Administrators, TrustedInstaller or this process's account, and no allow ACE gives
// anyone else a right that changes the file. The handle is opened without write or delete
// sharing, so the file cannot change between the check and the read.
// POSIX (fstat on the descriptor, opened with O_NOFOLLOW): a regular file owned by root or the
// effective uid, not writable by others, writable by its group only when that group is root's or
// the effective gid (a shared group would let its members change it).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace authwatch::service {

// A trusted file held open: while it is held, nobody can write, replace or delete it (Windows; on
// POSIX the check is on what was opened, and the folder is the service's own). For a file that
// another reader then opens by its path (the queue snapshot, read by Ingest::ingest_file).
class TrustedFile {
 public:
  static Result<TrustedFile> open(const std::string& path);
  // The whole file, refused when it is larger than max_bytes.
  Result<std::string> read(std::size_t max_bytes);

  TrustedFile(TrustedFile&&) noexcept;
  TrustedFile& operator=(TrustedFile&&) noexcept;
  ~TrustedFile();

 private:
  struct Handle;
  explicit TrustedFile(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// Opens, checks and reads a trusted file (the config).
Result<std::string> read_trusted_file(const std::string& path, std::size_t max_bytes);

// Writes `content` to a new file at `path`, created exclusively: Windows CREATE_NEW with a
// protected DACL (SYSTEM, Administrators, this account: service/win/file_security.hpp), POSIX
// O_CREAT | O_EXCL | O_NOFOLLOW with mode 0600. Whatever is at `path` already (a crash's leftover,
// or something planted: a file someone else holds open, a symbolic link) is removed first without
// following it (DeleteFileW and unlink remove a link, not its target); if it cannot be removed, or
// something is there again when the file is created, the write is refused and nothing is written.
Result<void> write_new_file(const std::string& path, std::string_view content);

}  // namespace authwatch::service
