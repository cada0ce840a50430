#pragma once
// Kerberos event logging (KB 262177): with LogLevel=1 under the Kerberos Parameters key, Windows
// writes the Kerberos errors behind a 454 4.7.0 (KDC_ERR_S_PRINCIPAL_UNKNOWN, KRB_AP_ERR_SKEW ...)
// to the System log. The probe reports the setting; the service switches it for a window when an
// incident opens (issue 5), so reading and writing live here, behind one header. Windows only:
// elsewhere the probe is skipped.
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "probes/probe.hpp"

namespace authwatch::probes {

// Where the setting lives. Tests point it at a key of their own under HKEY_CURRENT_USER.
struct LogLevelLocation {
  bool local_machine = true;  // HKEY_LOCAL_MACHINE, else HKEY_CURRENT_USER
  std::string key = "SYSTEM\\CurrentControlSet\\Control\\Lsa\\Kerberos\\Parameters";
  std::string value = "LogLevel";
  std::string text() const;  // "HKLM\SYSTEM\...\Parameters\LogLevel", for messages
};

// The verdict over one read, pure: `level` nullopt = the value is absent (Windows' default, 0);
// an error = the key could not be read.
Finding judge_kerberos_logging(const std::string& host, const Result<std::optional<uint32_t>>& level,
                               const LogLevelLocation& where);

#ifdef _WIN32
// RegGetValueW; nullopt when the value (or the key) does not exist.
Result<std::optional<uint32_t>> read_log_level(const LogLevelLocation& where);
// RegSetKeyValueW (REG_DWORD), creating the key if needed.
Result<void> write_log_level(const LogLevelLocation& where, uint32_t level);
// RegDeleteKeyValueW: back to Windows' default. Deleting an absent value is success.
Result<void> delete_log_level(const LogLevelLocation& where);
#endif

class KerberosLoggingProbe final : public Probe {
 public:
  explicit KerberosLoggingProbe(LogLevelLocation where = {}) : where_(std::move(where)) {}
  std::string name() const override { return "kerberos-logging"; }
  boost::asio::awaitable<std::vector<Finding>> run(ProbeContext& ctx) override;

 private:
  LogLevelLocation where_;
};

}  // namespace authwatch::probes
