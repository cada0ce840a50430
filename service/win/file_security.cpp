#include "service/win/file_security.hpp"

#include <filesystem>
#include <map>

#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"

#include <aclapi.h>
#include <sddl.h>

namespace authwatch::service::win {
namespace {

using platform::win::narrow;
using platform::win::system_message;

// NT SERVICE\TrustedInstaller: owns %ProgramFiles%, %SystemRoot% and what Windows Update installs.
constexpr wchar_t kTrustedInstaller[] = L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";

std::vector<BYTE> well_known_sid(WELL_KNOWN_SID_TYPE type) {
  DWORD size = SECURITY_MAX_SID_SIZE;
  std::vector<BYTE> sid(size);
  if (!CreateWellKnownSid(type, nullptr, sid.data(), &size)) return {};
  sid.resize(size);
  return sid;
}

std::vector<BYTE> sid_from_string(const wchar_t* text) {
  PSID sid = nullptr;
  if (!ConvertStringSidToSidW(text, &sid)) return {};
  std::vector<BYTE> out(static_cast<const BYTE*>(sid), static_cast<const BYTE*>(sid) + GetLengthSid(sid));
  LocalFree(sid);
  return out;
}

bool same_sid(PSID a, const std::vector<BYTE>& b) { return !b.empty() && EqualSid(a, const_cast<BYTE*>(b.data())); }

std::string sid_text(PSID sid) {
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return "an unreadable SID";
  std::string out = narrow(text);
  LocalFree(text);
  return out;
}

struct Principals {
  std::vector<BYTE> system = well_known_sid(WinLocalSystemSid);
  std::vector<BYTE> administrators = well_known_sid(WinBuiltinAdministratorsSid);
  std::vector<BYTE> trusted_installer = sid_from_string(kTrustedInstaller);
  std::vector<BYTE> everyone = well_known_sid(WinWorldSid);
  // Placeholders that only mean something in inheritable ACEs (no token holds them); OWNER RIGHTS
  // stands for the owner, whose trust is judged on its own.
  std::vector<BYTE> creator_owner = well_known_sid(WinCreatorOwnerSid);
  std::vector<BYTE> creator_group = well_known_sid(WinCreatorGroupSid);
  std::vector<BYTE> owner_rights = sid_from_string(L"S-1-3-4");

  bool trusted(PSID sid, PSID self) const {
    return same_sid(sid, system) || same_sid(sid, administrators) || same_sid(sid, trusted_installer) ||
           (self && EqualSid(sid, self));
  }
  bool placeholder(PSID sid) const { return same_sid(sid, creator_owner) || same_sid(sid, creator_group) || same_sid(sid, owner_rights); }
};

const Principals& principals() {
  static const Principals p;
  return p;
}

std::string rights_text(ACCESS_MASK mask, ObjectKind kind) {
  const bool folder = kind == ObjectKind::Folder;
  const std::pair<ACCESS_MASK, const char*> names[] = {
      {FILE_WRITE_DATA, folder ? "create files" : "write"},
      {FILE_APPEND_DATA, folder ? "create folders" : "append"},
      {FILE_DELETE_CHILD, "delete what is in it"},
      {DELETE, "delete or rename it"},
      {WRITE_DAC, "change its permissions"},
      {WRITE_OWNER, "take ownership"},
  };
  std::string out;
  for (const auto& [bit, name] : names)
    if (mask & bit) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

std::string ChangeAccess::describe() const {
  std::string out;
  if (untrusted_owner) out = "it is owned by " + *untrusted_owner + " (an owner may always change the permissions)";
  for (const auto& w : writers) out += (out.empty() ? "" : "; ") + w.principal + " may " + w.rights;
  return out;
}

std::string principal_name(PSID sid) {
  wchar_t name[256], domain[256];
  DWORD name_size = 256, domain_size = 256;
  SID_NAME_USE use;
  const std::string id = sid_text(sid);
  if (!LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use) || !*name) return id;
  return (*domain ? narrow(domain) + "\\" : std::string()) + narrow(name) + " (" + id + ")";
}

std::vector<BYTE> current_user_sid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  std::vector<BYTE> sid;
  if (size && GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) {
    PSID user = reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid;
    sid.assign(static_cast<const BYTE*>(user), static_cast<const BYTE*>(user) + GetLengthSid(user));
  }
  CloseHandle(token);
  return sid;
}

ChangeAccess who_can_change(PSECURITY_DESCRIPTOR sd, PSID self, ObjectKind kind) {
  const auto& p = principals();
  ChangeAccess out;
  PSID owner = nullptr;
  BOOL defaulted = FALSE;
  if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) || !owner) out.untrusted_owner = "nobody (the descriptor has no owner)";
  else if (!p.trusted(owner, self)) out.untrusted_owner = principal_name(owner);

  const ACCESS_MASK relevant = kChangeRights & ~(kind == ObjectKind::File ? static_cast<ACCESS_MASK>(FILE_DELETE_CHILD) : 0);
  BOOL present = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present || !dacl) {
    out.writers.push_back({principal_name(const_cast<BYTE*>(p.everyone.data())), rights_text(relevant, kind) + " (no DACL: anyone may do anything)"});
    return out;
  }
  GENERIC_MAPPING mapping{FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};
  std::map<std::vector<BYTE>, ACCESS_MASK> denied, granted;  // by SID, in ACE order
  std::vector<std::vector<BYTE>> order;                       // the untrusted SIDs as first granted
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* raw = nullptr;
    if (!GetAce(dacl, i, &raw)) continue;
    const auto* header = static_cast<const ACE_HEADER*>(raw);
    if (header->AceFlags & INHERIT_ONLY_ACE) continue;  // for what is created inside, not for this object
    const bool allow = header->AceType == ACCESS_ALLOWED_ACE_TYPE || header->AceType == ACCESS_ALLOWED_CALLBACK_ACE_TYPE;
    const bool deny = header->AceType == ACCESS_DENIED_ACE_TYPE;
    if (!allow && !deny) continue;  // object ACEs (directory objects only), audit and label ACEs
    // ACCESS_ALLOWED_ACE, ACCESS_DENIED_ACE and the callback ACEs share this layout.
    const auto* ace = static_cast<const ACCESS_ALLOWED_ACE*>(raw);
    PSID sid = const_cast<DWORD*>(&ace->SidStart);
    ACCESS_MASK mask = ace->Mask;
    MapGenericMask(&mask, &mapping);
    const std::vector<BYTE> key(static_cast<const BYTE*>(sid), static_cast<const BYTE*>(sid) + GetLengthSid(sid));
    if (deny) {
      denied[key] |= mask;
      continue;
    }
    if (p.trusted(sid, self) || p.placeholder(sid)) continue;
    const ACCESS_MASK everyone_denied = denied.count(p.everyone) ? denied[p.everyone] : 0;
    const ACCESS_MASK more = mask & relevant & ~denied[key] & ~everyone_denied & ~granted[key];
    if (!more) continue;
    if (!granted[key]) order.push_back(key);
    granted[key] |= more;
  }
  for (const auto& key : order)
    out.writers.push_back({principal_name(const_cast<BYTE*>(key.data())), rights_text(granted[key], kind)});
  return out;
}

Result<ChangeAccess> who_can_change(const std::string& path, ObjectKind kind) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  const std::wstring wide = std::filesystem::path(path).wstring();
  const DWORD rc = GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, nullptr,
                                         nullptr, nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS)
    return Error{path + ": cannot read its permissions: " + system_message(rc) + " (GetNamedSecurityInfoW, error " + std::to_string(rc) + ")"};
  auto self = current_user_sid();
  ChangeAccess access = who_can_change(sd, self.empty() ? nullptr : self.data(), kind);
  LocalFree(sd);
  return access;
}

Result<ChangeAccess> who_can_change(HANDLE handle, ObjectKind kind) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = GetSecurityInfo(handle, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                   nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS)
    return Error{"cannot read its permissions: " + system_message(rc) + " (GetSecurityInfo, error " + std::to_string(rc) + ")"};
  auto self = current_user_sid();
  ChangeAccess access = who_can_change(sd, self.empty() ? nullptr : self.data(), kind);
  LocalFree(sd);
  return access;
}

std::string SecurityDescriptor::sddl() const {
  wchar_t* text = nullptr;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(const_cast<SECURITY_DESCRIPTOR*>(&sd_), SDDL_REVISION_1,
                                                            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &text, nullptr))
    return "";
  std::string out = narrow(text);
  LocalFree(text);
  return out;
}

bool SecurityDescriptor::grant_full_control(std::vector<std::vector<BYTE>> grantees, BYTE inheritance, std::vector<BYTE> owner) {
  DWORD size = sizeof(ACL);
  for (const auto& sid : grantees) size += sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) + static_cast<DWORD>(sid.size());
  sids_ = std::move(grantees);
  owner_ = std::move(owner);
  acl_.assign(size, 0);
  auto* acl = reinterpret_cast<PACL>(acl_.data());
  if (!InitializeAcl(acl, size, ACL_REVISION)) return false;
  for (auto& sid : sids_)
    if (sid.empty() || !AddAccessAllowedAceEx(acl, ACL_REVISION, inheritance, FILE_ALL_ACCESS, sid.data())) return false;
  return InitializeSecurityDescriptor(&sd_, SECURITY_DESCRIPTOR_REVISION) &&
         (owner_.empty() || SetSecurityDescriptorOwner(&sd_, owner_.data(), FALSE)) && SetSecurityDescriptorDacl(&sd_, TRUE, acl, FALSE) &&
         SetSecurityDescriptorControl(&sd_, SE_DACL_PROTECTED, SE_DACL_PROTECTED);
}

std::unique_ptr<SecurityDescriptor> SecurityDescriptor::data_folder() {
  std::unique_ptr<SecurityDescriptor> sd(new SecurityDescriptor);
  if (!sd->grant_full_control({well_known_sid(WinLocalSystemSid), well_known_sid(WinBuiltinAdministratorsSid)},
                              OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE, well_known_sid(WinBuiltinAdministratorsSid)))
    return nullptr;
  return sd;
}

std::unique_ptr<SecurityDescriptor> SecurityDescriptor::private_file() {
  std::vector<std::vector<BYTE>> grantees{well_known_sid(WinLocalSystemSid), well_known_sid(WinBuiltinAdministratorsSid)};
  auto self = current_user_sid();
  if (!self.empty() && !same_sid(self.data(), grantees[0]) && !same_sid(self.data(), grantees[1])) grantees.push_back(std::move(self));
  std::unique_ptr<SecurityDescriptor> sd(new SecurityDescriptor);
  // No owner: the file's owner is this process's default (SYSTEM for the service).
  if (!sd->grant_full_control(std::move(grantees), 0, {})) return nullptr;
  return sd;
}

}  // namespace authwatch::service::win
