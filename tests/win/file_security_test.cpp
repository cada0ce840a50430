// Who can change a file or folder (service/win/file_security.hpp) and the data folder's lock
// (service/win/data_folder.hpp), under Wine and on Windows.
//
// Wine 8 keeps no Windows ACL on a file: SetNamedSecurityInfoW succeeds and stores nothing, and
// GetNamedSecurityInfoW reports a descriptor made from the Unix owner and mode (tests/win/README.md).
// So the verdicts are tested on descriptors built in memory from SDDL, each cross-checked with the
// operating system's own AccessCheck for a token that is not an administrator (the process token
// with Administrators made deny-only: it keeps Users, Authenticated Users, INTERACTIVE, Everyone);
// the data folder's descriptor is checked the same way, compared with the MSI's
// MsiLockPermissionsEx row read back through msi.dll, and read back from the folder itself where
// the file system keeps it (a real Windows host).
#include <filesystem>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/win/data_folder.hpp"
#include "service/win/file_security.hpp"
#include "wine.hpp"

#include <aclapi.h>
#include <msi.h>
#include <msiquery.h>
#include <sddl.h>

namespace fs = std::filesystem;
using namespace authwatch;
using namespace authwatch::service::win;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

struct LocalSd {
  PSECURITY_DESCRIPTOR sd = nullptr;
  explicit LocalSd(const wchar_t* sddl) {
    EXPECT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, nullptr)) << GetLastError();
  }
  ~LocalSd() { LocalFree(sd); }
};

struct Token {
  HANDLE h = nullptr;
  ~Token() {
    if (h) CloseHandle(h);
  }
};

// This process's token as an impersonation token (AccessCheck takes only those).
void administrator_token(Token& token) {
  HANDLE process = nullptr;
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS, &process));
  ASSERT_TRUE(DuplicateTokenEx(process, TOKEN_ALL_ACCESS, nullptr, SecurityImpersonation, TokenImpersonation, &token.h));
  CloseHandle(process);
}

// The same with Administrators deny-only: a user who is not an administrator.
void user_token(Token& token) {
  Token admin;
  administrator_token(admin);
  BYTE administrators[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof administrators;
  ASSERT_TRUE(CreateWellKnownSid(WinBuiltinAdministratorsSid, nullptr, administrators, &size));
  SID_AND_ATTRIBUTES disabled{administrators, 0};
  ASSERT_TRUE(CreateRestrictedToken(admin.h, 0, 1, &disabled, 0, nullptr, 0, nullptr, &token.h)) << GetLastError();
  BOOL member = TRUE;
  ASSERT_TRUE(CheckTokenMembership(token.h, administrators, &member));
  ASSERT_FALSE(member) << "the user token is still an administrator";
}

// What AccessCheck grants `token` on `sd` (MAXIMUM_ALLOWED, the file mapping). AccessCheck
// refuses a descriptor without an owner and a group (ERROR_INVALID_SECURITY_DESCR, on Windows and
// Wine): the checked one is a copy with `sd`'s owner, DACL and control bits and SYSTEM as its group
// (a group grants nothing).
ACCESS_MASK granted(PSECURITY_DESCRIPTOR sd, HANDLE token) {
  PSID owner = nullptr, group = nullptr;
  PACL dacl = nullptr;
  BOOL owner_defaulted = FALSE, group_defaulted = FALSE, present = FALSE, dacl_defaulted = FALSE;
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  EXPECT_TRUE(GetSecurityDescriptorOwner(sd, &owner, &owner_defaulted) && GetSecurityDescriptorGroup(sd, &group, &group_defaulted) &&
              GetSecurityDescriptorDacl(sd, &present, &dacl, &dacl_defaulted) && GetSecurityDescriptorControl(sd, &control, &revision));
  BYTE system[SECURITY_MAX_SID_SIZE];
  DWORD system_size = sizeof system;
  EXPECT_TRUE(CreateWellKnownSid(WinLocalSystemSid, nullptr, system, &system_size));
  SECURITY_DESCRIPTOR checked;
  EXPECT_TRUE(InitializeSecurityDescriptor(&checked, SECURITY_DESCRIPTOR_REVISION) && SetSecurityDescriptorOwner(&checked, owner, FALSE) &&
              SetSecurityDescriptorGroup(&checked, group ? group : system, FALSE) && SetSecurityDescriptorDacl(&checked, present, dacl, FALSE) &&
              SetSecurityDescriptorControl(&checked, SE_DACL_PROTECTED, control & SE_DACL_PROTECTED));
  GENERIC_MAPPING mapping{FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};
  PRIVILEGE_SET privileges{};
  DWORD privileges_size = sizeof privileges, access = 0;
  BOOL status = FALSE;
  EXPECT_TRUE(AccessCheck(&checked, token, MAXIMUM_ALLOWED, &mapping, &privileges, &privileges_size, &access, &status)) << GetLastError();
  return status ? access : 0;
}

// The verdict on a folder's descriptor, cross-checked: it names someone exactly when AccessCheck
// lets the user token change the folder.
ChangeAccess folder_verdict(const wchar_t* sddl) {
  LocalSd sd(sddl);
  ChangeAccess verdict = who_can_change(sd.sd, nullptr, ObjectKind::Folder);
  Token user;
  user_token(user);
  const bool user_may_change = (granted(sd.sd, user.h) & kChangeRights) != 0;
  EXPECT_EQ(!verdict.only_administrators(), user_may_change)
      << "the verdict (" << verdict.describe() << ") and AccessCheck disagree on " << std::string(sddl, sddl + wcslen(sddl));
  return verdict;
}

constexpr wchar_t kLocked[] = L"O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

TEST(WhoCanChange, OnlySystemAndAdministratorsIsNobodyElse) {
  EXPECT_TRUE(folder_verdict(kLocked).only_administrators());
  // TrustedInstaller owns Windows' own folders; reading and listing is not changing.
  EXPECT_TRUE(folder_verdict(L"O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
                             L"D:P(A;OICI;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;OICI;FA;;;SY)"
                             L"(A;OICI;0x1200a9;;;BU)(A;OICI;GRGX;;;AU)")
                  .only_administrators());
}

TEST(WhoCanChange, UsersWhoMayCreateFilesAreNamedWithTheirRights) {
  auto verdict = folder_verdict(L"O:BAD:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;CI;0x116;;;BU)");  // %ProgramData%'s grant to Users
  ASSERT_EQ(verdict.writers.size(), 1u);
  EXPECT_THAT(verdict.writers[0].principal, HasSubstr("S-1-5-32-545"));
  EXPECT_EQ(verdict.writers[0].rights, "create files, create folders");
  EXPECT_FALSE(verdict.untrusted_owner);
  EXPECT_THAT(verdict.describe(), HasSubstr("S-1-5-32-545) may create files, create folders"));
}

TEST(WhoCanChange, EveryoneAuthenticatedUsersAndInteractiveAreNamedGenericRightsMapped) {
  auto everyone = folder_verdict(L"O:BAD:(A;;GA;;;WD)");
  ASSERT_EQ(everyone.writers.size(), 1u);
  EXPECT_THAT(everyone.writers[0].principal, HasSubstr("S-1-1-0"));
  EXPECT_EQ(everyone.writers[0].rights, "create files, create folders, delete what is in it, delete or rename it, change its permissions, take ownership");
  auto modify = folder_verdict(L"O:SYD:(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;AU)(A;;GW;;;IU)");
  ASSERT_EQ(modify.writers.size(), 2u);
  EXPECT_THAT(modify.writers[0].principal, HasSubstr("S-1-5-11"));
  EXPECT_EQ(modify.writers[0].rights, "create files, create folders, delete or rename it");
  EXPECT_THAT(modify.writers[1].principal, HasSubstr("S-1-5-4"));
  EXPECT_EQ(modify.writers[1].rights, "create files, create folders");
}

TEST(WhoCanChange, AnOwnerThatIsNotAnAdministratorIsNamed) {
  auto verdict = folder_verdict(L"O:BUD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");  // an owner may always rewrite the DACL
  ASSERT_TRUE(verdict.untrusted_owner);
  EXPECT_THAT(*verdict.untrusted_owner, HasSubstr("S-1-5-32-545"));
  EXPECT_TRUE(verdict.writers.empty());
  EXPECT_THAT(verdict.describe(), HasSubstr("is owned by"));
}

TEST(WhoCanChange, ANullDaclLetsEveryoneDoAnything) {
  // Built by hand: Wine 8's SDDL parser does not make "D:NO_ACCESS_CONTROL" a NULL DACL (seen: the
  // descriptor it returned had a DACL that grants nobody anything).
  BYTE administrators[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof administrators;
  ASSERT_TRUE(CreateWellKnownSid(WinBuiltinAdministratorsSid, nullptr, administrators, &size));
  SECURITY_DESCRIPTOR sd;
  ASSERT_TRUE(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
  ASSERT_TRUE(SetSecurityDescriptorOwner(&sd, administrators, FALSE));
  ASSERT_TRUE(SetSecurityDescriptorDacl(&sd, TRUE, nullptr, FALSE));
  auto verdict = who_can_change(&sd, nullptr, ObjectKind::Folder);
  ASSERT_EQ(verdict.writers.size(), 1u);
  EXPECT_THAT(verdict.writers[0].principal, HasSubstr("S-1-1-0"));
  EXPECT_THAT(verdict.writers[0].rights, HasSubstr("no DACL"));
  Token user;
  user_token(user);
  EXPECT_EQ(granted(&sd, user.h) & kChangeRights, kChangeRights) << "AccessCheck: a NULL DACL does not let the user change it";
}

TEST(WhoCanChange, DenyAcesCountInOrderAndInheritOnlyAcesDoNotApply) {
  // A deny for Everyone before the allow takes the change rights away...
  EXPECT_TRUE(folder_verdict(L"O:BAD:(D;;0xd0046;;;WD)(A;;FA;;;BU)(A;;FA;;;BA)").only_administrators());
  // ... after it, it comes too late (an access check stops at the allow). Not cross-checked under
  // Wine: its AccessCheck for MAXIMUM_ALLOWED takes a deny away wherever it stands in the DACL
  // (seen: it grants none of the change rights here); Windows grants them.
  constexpr wchar_t deny_after[] = L"O:BAD:(A;;FA;;;BU)(D;;0xd0046;;;BU)";
  if (test::running_under_wine()) {
    LocalSd sd(deny_after);
    EXPECT_FALSE(who_can_change(sd.sd, nullptr, ObjectKind::Folder).only_administrators());
  } else {
    EXPECT_FALSE(folder_verdict(deny_after).only_administrators());
  }
  // A grant for what is created inside does not apply to the folder itself.
  EXPECT_TRUE(folder_verdict(L"O:BAD:(A;OICIIO;FA;;;BU)(A;;FA;;;BA)").only_administrators());
  // CREATOR OWNER in an ACE of the folder itself matches no one.
  EXPECT_TRUE(folder_verdict(L"O:BAD:(A;;FA;;;CO)(A;;FA;;;BA)").only_administrators());
}

TEST(WhoCanChange, ADenyForAnotherGroupIsNotSubtractedTheVerdictErrsOnNaming) {
  // Users are denied, Authenticated Users allowed: a member of the second but not the first could
  // write. AccessCheck for this token (in both groups) says no; the verdict names them on purpose.
  LocalSd sd(L"O:BAD:(D;;0xd0046;;;BU)(A;;FA;;;AU)");
  auto verdict = who_can_change(sd.sd, nullptr, ObjectKind::Folder);
  ASSERT_EQ(verdict.writers.size(), 1u);
  EXPECT_THAT(verdict.writers[0].principal, HasSubstr("S-1-5-11"));
}

TEST(WhoCanChange, ThisProcessesOwnAccountIsTrusted) {
  auto self = current_user_sid();
  ASSERT_FALSE(self.empty());
  wchar_t* text = nullptr;
  ASSERT_TRUE(ConvertSidToStringSidW(self.data(), &text));
  const std::wstring me = text;
  LocalFree(text);
  const std::wstring sddl = L"O:" + me + L"D:(A;;FA;;;" + me + L")(A;;0x1200a9;;;WD)";
  LocalSd sd(sddl.c_str());
  EXPECT_TRUE(who_can_change(sd.sd, self.data(), ObjectKind::File).only_administrators());
  auto stranger = who_can_change(sd.sd, nullptr, ObjectKind::File);
  EXPECT_TRUE(stranger.untrusted_owner);
  ASSERT_EQ(stranger.writers.size(), 1u);
  EXPECT_EQ(stranger.writers[0].rights, "write, append, delete or rename it, change its permissions, take ownership") << "a file has no children";
}

TEST(DataFolderSecurity, ProtectedSystemAndAdministratorsFullControlInheritedByEverythingInIt) {
  auto sd = SecurityDescriptor::data_folder();
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->sddl(), "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  ASSERT_TRUE(GetSecurityDescriptorControl(sd->get(), &control, &revision));
  EXPECT_TRUE(control & SE_DACL_PROTECTED) << "ProgramData's grants to Users would be inherited";

  // A user can neither create a file (a .lock, -wal, -shm or .partial) nor list or read in it; an administrator can do anything.
  Token user, admin;
  user_token(user);
  administrator_token(admin);
  EXPECT_EQ(granted(sd->get(), user.h), 0u);
  EXPECT_EQ(granted(sd->get(), admin.h), static_cast<ACCESS_MASK>(FILE_ALL_ACCESS));
  // The same check finds what the lock takes away: ProgramData's own grants let the user create files.
  LocalSd program_data(L"O:SYD:P(A;OICIIO;FA;;;CO)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;0x116;;;BU)");
  EXPECT_EQ(granted(program_data.sd, user.h) & FILE_ADD_FILE, static_cast<ACCESS_MASK>(FILE_ADD_FILE));
  EXPECT_FALSE(who_can_change(program_data.sd, nullptr, ObjectKind::Folder).only_administrators());
  EXPECT_TRUE(who_can_change(sd->get(), nullptr, ObjectKind::Folder).only_administrators());
}

TEST(DataFolderSecurity, TheSnapshotFilesOwnDaclIsSystemAdministratorsAndThisAccountOnly) {
  auto sd = SecurityDescriptor::private_file();
  ASSERT_TRUE(sd);
  auto self = current_user_sid();
  wchar_t* text = nullptr;
  ASSERT_TRUE(ConvertSidToStringSidW(self.data(), &text));
  const std::string me(text, text + wcslen(text));
  LocalFree(text);
  // Protected (nothing from a folder that lets users in), no owner given (the process's default),
  // this account so that it can read back what it wrote.
  EXPECT_EQ(sd->sddl(), "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;" + me + ")");
}

// The MSI's MsiLockPermissionsEx row (installer/windows/MsiLockPermissionsEx.idt, imported by
// installer/CMakeLists.txt), read back through Windows Installer's own database API.
TEST(DataFolderSecurity, TheMsiLocksTheDataFolderWithTheSameDacl) {
  MSIHANDLE database = 0;
  ASSERT_EQ(MsiOpenDatabaseW(fs::path(AUTHWATCH_MSI).wstring().c_str(), MSIDBOPEN_READONLY, &database), static_cast<UINT>(ERROR_SUCCESS))
      << AUTHWATCH_MSI;
  auto rows = [&](const wchar_t* query, int columns) {
    std::vector<std::vector<std::string>> out;
    MSIHANDLE view = 0, record = 0;
    EXPECT_EQ(MsiDatabaseOpenViewW(database, query, &view), static_cast<UINT>(ERROR_SUCCESS));
    EXPECT_EQ(MsiViewExecute(view, 0), static_cast<UINT>(ERROR_SUCCESS));
    while (MsiViewFetch(view, &record) == ERROR_SUCCESS) {
      std::vector<std::string> row;
      for (int c = 1; c <= columns; ++c) {
        wchar_t value[1024];
        DWORD size = 1024;
        MsiRecordGetStringW(record, c, value, &size);
        row.push_back(std::string(value, value + wcslen(value)));
      }
      out.push_back(row);
      MsiCloseHandle(record);
    }
    MsiCloseHandle(view);
    return out;
  };
  auto locks = rows(L"SELECT `MsiLockPermissionsEx`, `LockObject`, `Table`, `SDDLText`, `Condition` FROM `MsiLockPermissionsEx`", 5);
  auto created = rows(L"SELECT `Directory_`, `Component_` FROM `CreateFolder`", 2);
  auto folder = rows(L"SELECT `Directory_Parent`, `DefaultDir` FROM `Directory` WHERE `Directory` = 'DATADIR'", 2);
  auto actions = rows(L"SELECT `Action` FROM `InstallExecuteSequence` WHERE `Action` = 'CreateFolders'", 1);
  MsiCloseHandle(database);

  // The code's DACL, without the owner (the installer's own account creates the folder).
  auto sd = SecurityDescriptor::data_folder();
  wchar_t* dacl_text = nullptr;
  ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd->get(), SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &dacl_text, nullptr));
  const std::string dacl(dacl_text, dacl_text + wcslen(dacl_text));
  LocalFree(dacl_text);
  EXPECT_EQ(dacl, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_THAT(locks[0], ElementsAre("DataFolder", "DATADIR", "CreateFolder", dacl, ""));
  EXPECT_THAT(created, ElementsAre(ElementsAre("DATADIR", "DefaultConfig")));
  EXPECT_THAT(folder, ElementsAre(ElementsAre("CommonAppDataFolder", "AuthWatch")));
  EXPECT_EQ(actions.size(), 1u) << "no CreateFolders action: the lock would never be applied";
}

class DataFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("authwatch-data-" + std::to_string(rd()) + std::to_string(rd()));
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

TEST_F(DataFolderTest, LockCreatesTheFolderAndSetsItsPermissionsOrSaysTheyWereNotKept) {
  const fs::path folder = dir_ / "ProgramData" / "AuthWatch";
  auto locked = lock_data_folder(folder.string());
  ASSERT_TRUE(locked.ok()) << locked.error();
  EXPECT_TRUE(fs::is_directory(folder));
  if (test::running_under_wine()) {
    // Wine keeps only the Unix mode: the read-back differs, and install says so (once).
    ASSERT_EQ(locked.value().size(), 1u);
    EXPECT_THAT(locked.value()[0], HasSubstr("this file system does not keep Windows ACLs"));
    EXPECT_THAT(locked.value()[0], HasSubstr("not the O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA) set"));
  } else {
    EXPECT_TRUE(locked.value().empty()) << locked.value()[0];
    PSECURITY_DESCRIPTOR sd = nullptr;
    ASSERT_EQ(GetNamedSecurityInfoW(folder.wstring().c_str(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, nullptr,
                                    nullptr, nullptr, nullptr, &sd),
              static_cast<DWORD>(ERROR_SUCCESS));
    wchar_t* text = nullptr;
    ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                                                     &text, nullptr));
    EXPECT_EQ(std::wstring(text), L"O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
    LocalFree(text);
    LocalFree(sd);
    // What is created inside inherits the two grants and nothing else.
    HANDLE file = CreateFileW((folder / "authwatch.db-wal").wstring().c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, 0, nullptr);
    ASSERT_NE(file, INVALID_HANDLE_VALUE);
    CloseHandle(file);
    auto access = who_can_change((folder / "authwatch.db-wal").string(), ObjectKind::File);
    ASSERT_TRUE(access.ok()) << access.error();
    EXPECT_TRUE(access.value().only_administrators()) << access.value().describe();
  }
  // Locking again (an upgrade, a repaired install) is the same.
  auto again = lock_data_folder(folder.string());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.value().size(), locked.value().size());
}

}  // namespace
