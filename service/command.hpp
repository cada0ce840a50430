#pragma once
// Runs an external command with a deadline and collects what it printed (Boost.Process). Used
// for the Get-Queue snapshots and the Exchange ServerWideOffline state. Blocking: the monitor
// calls it on its pool, never on the loop's thread.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace authwatch::service {

struct CommandResult {
  bool started = false;     // false: not found or not executable (see error)
  bool timed_out = false;   // killed (with its whole process group / job) at the deadline
  int exit_code = -1;
  std::string out, err;     // what it wrote to stdout / stderr
  std::string executable;   // the program run (or looked for): argv[0] resolved
  std::string error;        // why it could not be started
  std::chrono::milliseconds took{0};
  std::chrono::milliseconds timeout{0};

  bool ok() const { return started && !timed_out && exit_code == 0; }
  // "exit code 1: <first line of stderr>", "timed out after 60 s", "not found: pwsh" ...
  std::string problem() const;
};

// argv[0] is looked up in PATH unless it contains a path separator or is a program of the system
// (service/system_program.hpp: on Windows powershell.exe and cmd.exe come from the system folder,
// never from PATH). Setting *cancel kills it early (the monitor is stopping); it then counts as
// timed out.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::atomic<bool>* cancel = nullptr);

// The command as one line for messages and evidence (arguments with spaces quoted).
std::string command_line(const std::vector<std::string>& argv);

}  // namespace authwatch::service
