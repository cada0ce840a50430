#pragma once
// Documented in `authwatch --help` and README.md. Scripts rely on these: never renumber.
namespace authwatch::cli {

enum ExitCode : int {
  kOk = 0,             // done
  kFailure = 1,        // could not do it: database unusable, schema too new, config invalid
  kUsage = 2,          // bad arguments
  kPartialInput = 3,   // done, but some files or records could not be read (each was named on stderr)
  kNotFound = 4,       // `show ID`: no such incident
  kProbeFailed = 5,    // `probe`: at least one finding failed (a cause is present)
};

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok; 1 failure (database or config unusable); 2 usage error; "
    "3 done, but some input could not be read (named on stderr); 4 not found; "
    "5 a probe found a fault (a finding failed).";

}  // namespace authwatch::cli
