#include "app/paths.hpp"

#include <shlobj.h>
#include <windows.h>

#include <filesystem>

namespace authwatch::app {

std::string data_folder() {
  // The known folder, not %ProgramData%: a service's environment need not carry it (Wine gives
  // services C:\users\Public there), and the CLI must find the database the service writes.
  std::filesystem::path folder = "C:\\ProgramData";
  wchar_t* known = nullptr;
  if (SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &known) == S_OK && known) folder = known;
  CoTaskMemFree(known);
  return (folder / "AuthWatch").string();
}

std::string platform_database_path() { return (std::filesystem::path(data_folder()) / "authwatch.db").string(); }

}  // namespace authwatch::app
