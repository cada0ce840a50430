// Windows: CreateFileW with every share mode (msvcrt's fopen leaves out FILE_SHARE_DELETE, so
// Exchange could not delete or rename a log while it is read) and a non-inheritable handle
// (msvcrt's are inheritable: a Get-Queue command started meanwhile would keep the file open).
#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <filesystem>

#include "sources/shared_file.hpp"

// After the project's headers, as everywhere: winsock2.h must come before windows.h.
#include <windows.h>

namespace authwatch::sources {

FilePtr open_shared(const std::string& path) {
  // The narrow path is in the ANSI code page, as std::ifstream and std::fopen take it.
  const std::wstring wide = std::filesystem::path(path).wstring();
  SECURITY_ATTRIBUTES not_inherited{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  HANDLE handle = CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              &not_inherited, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_SEQUENTIAL_SCAN, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    errno = error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ? ENOENT
            : error == ERROR_ACCESS_DENIED || error == ERROR_SHARING_VIOLATION ? EACCES
                                                                                : EIO;
    return nullptr;
  }
  const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(handle), _O_RDONLY | _O_BINARY);
  if (fd == -1) {
    CloseHandle(handle);
    return nullptr;
  }
  std::FILE* file = _fdopen(fd, "rb");
  if (!file) _close(fd);  // closes the handle too
  return FilePtr(file);
}

}  // namespace authwatch::sources
