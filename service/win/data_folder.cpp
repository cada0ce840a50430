#include "service/win/data_folder.hpp"

#include <filesystem>

#include "app/paths.hpp"
#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "service/win/file_security.hpp"

#include <aclapi.h>
#include <sddl.h>

namespace authwatch::service::win {
namespace {

using platform::win::error_text;
using platform::win::narrow;

constexpr int kMostEntriesExamined = 1000;  // the folder holds about six files; bounded all the same

std::string win32_error(const std::string& what, DWORD error) {
  return what + ": " + error_text(error);
}

// Takes ownership and rewrites a DACL whatever the current DACL allows, where the token holds the
// privileges (administrators and SYSTEM do); without them the call below says what it was refused.
void enable_privileges() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) return;
  for (const wchar_t* name : {SE_RESTORE_NAME, SE_TAKE_OWNERSHIP_NAME}) {
    TOKEN_PRIVILEGES privileges{1, {{{0, 0}, SE_PRIVILEGE_ENABLED}}};
    if (LookupPrivilegeValueW(nullptr, name, &privileges.Privileges[0].Luid))
      AdjustTokenPrivileges(token, FALSE, &privileges, 0, nullptr, nullptr);
  }
  CloseHandle(token);
}

// "" when the DACL read back is protected and holds the ACEs set (an inherited-ACE flag aside),
// else what differs.
std::string dacl_difference(const std::string& folder, SecurityDescriptor& wanted) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  PACL dacl = nullptr;
  const DWORD rc = GetNamedSecurityInfoW(std::filesystem::path(folder).wstring().c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                                         nullptr, &dacl, nullptr, &sd);
  if (rc != ERROR_SUCCESS) return win32_error("reading it back failed", rc);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  GetSecurityDescriptorControl(sd, &control, &revision);
  wchar_t* text = nullptr;
  std::string read_back = ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)
                              ? narrow(text)
                              : "?";
  if (text) LocalFree(text);
  PACL want = wanted.dacl();
  bool same = (control & SE_DACL_PROTECTED) && dacl && dacl->AceCount == want->AceCount;
  for (DWORD i = 0; same && i < want->AceCount; ++i) {
    void* a = nullptr;
    void* b = nullptr;
    same = GetAce(dacl, i, &a) && GetAce(want, i, &b);
    if (!same) break;
    const auto* got = static_cast<const ACCESS_ALLOWED_ACE*>(a);
    const auto* set = static_cast<const ACCESS_ALLOWED_ACE*>(b);
    same = got->Header.AceType == set->Header.AceType && (got->Header.AceFlags & ~INHERITED_ACE) == set->Header.AceFlags &&
           got->Mask == set->Mask && EqualSid(const_cast<DWORD*>(&got->SidStart), const_cast<DWORD*>(&set->SidStart));
  }
  LocalFree(sd);
  if (same) return "";
  return "the permissions read back are " + read_back + ", not the " + wanted.sddl() +
         " set: this file system does not keep Windows ACLs (FAT or exFAT; Wine keeps only the Unix permissions)";
}

}  // namespace

std::string data_folder_path() { return app::data_folder(); }

Result<void> create_data_folder(const std::string& folder) {
  auto security = SecurityDescriptor::data_folder();
  if (!security) return Error{folder + ": cannot build the folder's permissions"};
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(folder).parent_path(), ignored);
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), security->get(), FALSE};
  if (!CreateDirectoryW(std::filesystem::path(folder).wstring().c_str(), &attributes) && GetLastError() != ERROR_ALREADY_EXISTS)
    return Error{win32_error(folder + ": cannot create the data folder (only SYSTEM and Administrators may; run as an administrator or give --db)",
                             GetLastError())};
  return {};
}

Result<std::vector<std::string>> lock_data_folder(const std::string& folder) {
  auto security = SecurityDescriptor::data_folder();
  if (!security) return Error{folder + ": cannot build the folder's permissions"};
  if (auto created = create_data_folder(folder); !created) return created.failure();
  enable_privileges();
  const DWORD rc = SetNamedSecurityInfoW(const_cast<wchar_t*>(std::filesystem::path(folder).wstring().c_str()), SE_FILE_OBJECT,
                                         OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                         security->owner(), nullptr, security->dacl(), nullptr);
  if (rc != ERROR_SUCCESS) return Error{win32_error(folder + ": cannot set its owner and permissions (SetNamedSecurityInfoW)", rc)};

  std::vector<std::string> warnings;
  if (auto difference = dacl_difference(folder, *security); !difference.empty()) warnings.push_back(folder + ": " + difference);
  // What was there before the lock keeps its owner (and explicit ACEs): name what a user could still change.
  WIN32_FIND_DATAW entry{};
  HANDLE find = FindFirstFileW((std::filesystem::path(folder) / "*").wstring().c_str(), &entry);
  if (find == INVALID_HANDLE_VALUE) return warnings;
  int examined = 0;
  do {
    const std::wstring name = entry.cFileName;
    if (name == L"." || name == L"..") continue;
    if (++examined > kMostEntriesExamined) {
      warnings.push_back(folder + ": holds more than " + std::to_string(kMostEntriesExamined) + " entries; only the first were examined");
      break;
    }
    const std::string path = (std::filesystem::path(folder) / name).string();
    const auto kind = entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY ? ObjectKind::Folder : ObjectKind::File;
    auto access = who_can_change(path, kind);
    if (!access) warnings.push_back(access.error());
    else if (!access.value().only_administrators())
      warnings.push_back(path + ": " + access.value().describe() + "; it was made before the folder was locked; with the service stopped, delete it " +
                         "or give it to Administrators (icacls \"" + path + "\" /setowner *S-1-5-32-544 /reset)");
  } while (FindNextFileW(find, &entry));
  FindClose(find);
  return warnings;
}

}  // namespace authwatch::service::win
