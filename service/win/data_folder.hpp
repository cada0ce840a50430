#pragma once
// %ProgramData%\AuthWatch: the service's configuration, database (authwatch.db, its -wal and -shm),
// its instance lock (authwatch.db.lock) and the queue snapshot (authwatch.db-queue.json and its
// .partial). %ProgramData% lets every user create files and folders, and what is created there
// inherits read access for Users. Locked (SecurityDescriptor::data_folder: owner Administrators, a
// protected DACL of SYSTEM and Administrators full control, inherited by everything in it), a user
// can neither read the database nor create a file in the folder: not lock authwatch.db.lock first
// so the service cannot start, not plant a -wal or -shm for SQLite to take up, not pre-create the
// snapshot's .partial; what the service creates there inherits the same two grants.
// The MSI sets the same DACL (its MsiLockPermissionsEx row); `authwatch-service install` sets it
// too (the MSI runs it; so does Install-AuthWatch.ps1).
#include <string>
#include <vector>

#include "core/result.hpp"

namespace authwatch::service::win {

// The known folder (SHGetKnownFolderPath(FOLDERID_ProgramData)) and "AuthWatch": not an
// environment variable a caller could point elsewhere.
std::string data_folder_path();

// Creates `folder` if it is missing and gives it the data folder's owner and DACL
// (SetNamedSecurityInfoW with SeRestorePrivilege and SeTakeOwnershipPrivilege enabled where the
// token has them, so a folder a user made first is taken back). Fails when Windows refuses.
// Returns warnings: the DACL read back is not the one set (a file system that keeps no Windows
// ACLs: FAT, exFAT, and Wine, whose files carry their Unix permissions only); an entry in the
// folder that someone else owns or may change (made before the folder was locked), named with
// what to do.
Result<std::vector<std::string>> lock_data_folder(const std::string& folder);

// The service's first start on a machine where neither the MSI nor `install` ran: creates the
// folder with the data folder's security from the start. An existing folder is left as it is.
Result<void> create_data_folder(const std::string& folder);

}  // namespace authwatch::service::win
