// Windows: trusted files checked on the open handle (GetSecurityInfo), held without write or
// delete sharing; the queue snapshot created with CREATE_NEW and a protected DACL of its own.
#include <algorithm>
#include <filesystem>

#include "platform/win/win_error.hpp"
#include "service/trusted_file.hpp"
#include "service/win/file_security.hpp"

namespace authwatch::service {
namespace {

using platform::win::error_text;

std::string win32_error(const char* what, DWORD error) {
  return std::string(what) + ": " + error_text(error);
}

std::wstring wide_path(const std::string& path) { return std::filesystem::path(path).wstring(); }

}  // namespace

struct TrustedFile::Handle {
  std::string path;
  HANDLE file = INVALID_HANDLE_VALUE;
  ~Handle() {
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
  }
};

TrustedFile::TrustedFile(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
TrustedFile::TrustedFile(TrustedFile&&) noexcept = default;
TrustedFile& TrustedFile::operator=(TrustedFile&&) noexcept = default;
TrustedFile::~TrustedFile() = default;

Result<TrustedFile> TrustedFile::open(const std::string& path) {
  auto handle = std::make_unique<Handle>();
  handle->path = path;
  // Read sharing only: while this handle is open nobody can open the file to write, rename or
  // delete it. FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link is opened as itself and refused below.
  SECURITY_ATTRIBUTES not_inherited{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  handle->file = CreateFileW(wide_path(path).c_str(), GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, &not_inherited, OPEN_EXISTING,
                             FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (handle->file == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    const DWORD attributes = GetFileAttributesW(wide_path(path).c_str());  // a folder is not opened without backup semantics
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) return Error{path + ": refused: it is a folder, not a file"};
    return Error{path + ": " + win32_error("cannot open it", error)};
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (!GetFileInformationByHandle(handle->file, &info)) return Error{path + ": " + win32_error("cannot read what it is", GetLastError())};
  if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
    return Error{path + ": refused: it is a symbolic link or another reparse point, not a file of its own"};
  if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return Error{path + ": refused: it is a folder, not a file"};
  if (GetFileType(handle->file) != FILE_TYPE_DISK) return Error{path + ": refused: not a file on disk"};
  auto access = win::who_can_change(handle->file, win::ObjectKind::File);
  if (!access) return Error{path + ": " + access.error()};
  if (!access.value().only_administrators())
    return Error{path + ": refused: " + access.value().describe() +
                 ". Only SYSTEM, Administrators and the service's own account may own or change a file the service runs on "
                 "(it runs as LocalSystem); give it to Administrators and remove those rights, e.g. icacls \"" + path +
                 "\" /setowner *S-1-5-32-544 /inheritance:r /grant:r *S-1-5-18:F *S-1-5-32-544:F"};
  return TrustedFile(std::move(handle));
}

Result<std::string> TrustedFile::read(std::size_t max_bytes) {
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(handle_->file, &size)) return Error{handle_->path + ": " + win32_error("cannot read its size", GetLastError())};
  if (static_cast<unsigned long long>(size.QuadPart) > max_bytes)
    return Error{handle_->path + ": refused: " + std::to_string(size.QuadPart) + " bytes, more than the " + std::to_string(max_bytes) +
                 " bytes such a file may have"};
  std::string out(static_cast<size_t>(size.QuadPart), '\0');
  size_t done = 0;
  LARGE_INTEGER start{};
  SetFilePointerEx(handle_->file, start, nullptr, FILE_BEGIN);
  while (done < out.size()) {
    DWORD n = 0;
    const DWORD want = static_cast<DWORD>(std::min<size_t>(out.size() - done, 1 << 20));
    if (!ReadFile(handle_->file, out.data() + done, want, &n, nullptr)) return Error{handle_->path + ": " + win32_error("cannot read it", GetLastError())};
    if (n == 0) break;  // cannot grow or shrink while held; a short read is the end
    done += n;
  }
  out.resize(done);
  return out;
}

Result<std::string> read_trusted_file(const std::string& path, std::size_t max_bytes) {
  auto file = TrustedFile::open(path);
  if (!file) return Error{file.error()};
  return file.value().read(max_bytes);
}

Result<void> write_new_file(const std::string& path, std::string_view content) {
  const std::wstring wide = wide_path(path);
  // A leftover goes first. DeleteFileW removes a symbolic link itself, never its target; a file
  // that someone holds open without delete sharing cannot be removed, and the write is refused.
  if (!DeleteFileW(wide.c_str())) {
    const DWORD error = GetLastError();
    if (error != ERROR_FILE_NOT_FOUND && error != ERROR_PATH_NOT_FOUND)
      return Error{path + ": refused: a file is already there and " + win32_error("cannot be removed", error) +
                   "; if something else holds it open, that is not AuthWatch"};
  }
  auto security = win::SecurityDescriptor::private_file();
  if (!security) return Error{path + ": cannot build the file's permissions"};
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), security->get(), FALSE};
  // CREATE_NEW fails if anything (a file, a link) is at the path again: never write into something else's file.
  HANDLE file = CreateFileW(wide.c_str(), GENERIC_WRITE, 0, &attributes, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    return Error{path + ": " + win32_error(error == ERROR_FILE_EXISTS ? "refused: created again by someone else after the leftover was removed"
                                                                      : "cannot create it",
                                           error)};
  }
  size_t done = 0;
  DWORD error = ERROR_SUCCESS;
  while (done < content.size()) {
    DWORD n = 0;
    const DWORD want = static_cast<DWORD>(std::min<size_t>(content.size() - done, 1 << 20));
    if (!WriteFile(file, content.data() + done, want, &n, nullptr) || n == 0) {
      error = GetLastError();
      break;
    }
    done += n;
  }
  CloseHandle(file);
  if (done < content.size()) {
    DeleteFileW(wide.c_str());
    return Error{path + ": " + win32_error("cannot write it", error)};
  }
  return {};
}

}  // namespace authwatch::service
