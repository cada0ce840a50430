#pragma once
// Who can change a file or folder, read from its Windows security descriptor, and the security
// descriptors AuthWatch gives what it creates. The service runs as LocalSystem: the folder its exe
// lives in, its config file (which names the commands it runs) and the queue snapshot it reads
// back must be changeable by administrators only, or a user could make it run their code as SYSTEM.
//
// Trusted principals: SYSTEM, BUILTIN\Administrators, NT SERVICE\TrustedInstaller (the owner of
// Windows' own folders) and the account this process runs as (the service: SYSTEM; `install`: the
// administrator running it). Anyone else who owns the object (an owner may always change its
// DACL) or whom an allow ACE that applies to the object grants a right that changes it, is named.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

// After the project's headers (Boost.Asio's winsock2.h must come before windows.h).
#include <windows.h>

namespace authwatch::service::win {

enum class ObjectKind { File, Folder };

// A principal other than the trusted ones that an ACE lets change the object.
struct UntrustedWriter {
  std::string principal;  // "BUILTIN\Users (S-1-5-32-545)"
  std::string rights;     // "create files, create folders"
};

struct ChangeAccess {
  std::optional<std::string> untrusted_owner;  // "CONTOSO\bob (S-1-5-21-...)", when the owner is not trusted
  std::vector<UntrustedWriter> writers;
  bool only_administrators() const { return !untrusted_owner && writers.empty(); }
  // "it is owned by X (an owner may always change the permissions); BUILTIN\Users (S-1-5-32-545) may create files, create folders"
  std::string describe() const;
};

// The rights that change a file or folder (or let someone change it: its DACL, its owner):
// write/add file, append/add subfolder, delete child, delete, WRITE_DAC, WRITE_OWNER. Generic
// rights in an ACE are mapped with the file mapping first. Reading, executing and the attribute
// and extended-attribute writes are not counted.
inline constexpr ACCESS_MASK kChangeRights = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER;

// Evaluates the owner and the DACL of `sd` the way an access check would for a principal that is
// not trusted: the ACEs in order, a right counted when an allow ACE grants it before a deny ACE
// for the same SID or Everyone took it away; inherit-only ACEs do not apply to the object itself;
// a NULL DACL grants Everyone everything. Deny ACEs for groups other than Everyone are not
// subtracted (which members they cover is not known from the descriptor): the verdict errs on the
// side of naming a writer. `self`: this process's user SID (trusted), or nullptr.
ChangeAccess who_can_change(PSECURITY_DESCRIPTOR sd, PSID self, ObjectKind kind);

// The same for a file or folder by path (GetNamedSecurityInfoW) or an open handle (GetSecurityInfo).
Result<ChangeAccess> who_can_change(const std::string& path, ObjectKind kind);
Result<ChangeAccess> who_can_change(HANDLE handle, ObjectKind kind);

// This process's user SID (TokenUser of the process token).
std::vector<BYTE> current_user_sid();

// "BUILTIN\Users (S-1-5-32-545)": LookupAccountSidW's name when there is one, and the SID.
std::string principal_name(PSID sid);

// A self-contained absolute security descriptor (its SIDs and ACL live with it).
class SecurityDescriptor {
 public:
  SECURITY_DESCRIPTOR* get() { return &sd_; }
  PSID owner() const { return owner_.empty() ? nullptr : const_cast<BYTE*>(owner_.data()); }
  PACL dacl() const { return reinterpret_cast<PACL>(const_cast<BYTE*>(acl_.data())); }
  // The owner and DACL in SDDL ("O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)").
  std::string sddl() const;

  // AuthWatch's data folder (%ProgramData%\AuthWatch): owner Administrators, a protected DACL
  // (nothing inherited from %ProgramData%, where Users may create files and folders) granting
  // SYSTEM and Administrators full control, inherited by every file and folder created in it.
  // Built from well-known SIDs. installer/windows/MsiLockPermissionsEx.idt gives the MSI the same
  // DACL in SDDL (tests/win/file_security_test.cpp compares them).
  static std::unique_ptr<SecurityDescriptor> data_folder();
  // A file the service writes for itself (the queue snapshot): a protected DACL granting SYSTEM,
  // Administrators and this process's account full control, whatever its folder passes on.
  static std::unique_ptr<SecurityDescriptor> private_file();
  // Both return nullptr only when Windows cannot build them (out of memory).

 private:
  SecurityDescriptor() = default;
  SecurityDescriptor(const SecurityDescriptor&) = delete;  // sd_ points into the members
  SecurityDescriptor& operator=(const SecurityDescriptor&) = delete;
  bool grant_full_control(std::vector<std::vector<BYTE>> grantees, BYTE inheritance, std::vector<BYTE> owner);
  SECURITY_DESCRIPTOR sd_{};
  std::vector<BYTE> owner_;
  std::vector<std::vector<BYTE>> sids_;
  std::vector<BYTE> acl_;
};

}  // namespace authwatch::service::win
