#include "probes/kerberos_logging.hpp"

#include <boost/asio/ip/host_name.hpp>

namespace authwatch::probes {

std::string LogLevelLocation::text() const { return std::string(local_machine ? "HKLM\\" : "HKCU\\") + key + "\\" + value; }

Finding judge_kerberos_logging(const std::string& host, const Result<std::optional<uint32_t>>& level,
                               const LogLevelLocation& where) {
  Finding f{"kerberos-logging", host, FindingStatus::Ok, "", {{"key", where.text()}}, ""};
  if (!level) {
    f.status = FindingStatus::Error;
    f.summary = "cannot read " + where.text() + ": " + level.error();
    f.evidence["error"] = level.error();
    return f;
  }
  const uint32_t value = level.value().value_or(0);
  f.evidence["log_level"] = value;
  f.evidence["present"] = level.value().has_value();
  if (value == 0) {
    f.summary = "Kerberos event logging is off on " + host + " (" + where.value + " " +
                (level.value() ? "0" : "absent, i.e. 0") + "): the System log will not show the Kerberos errors";
  } else {
    f.summary = "Kerberos event logging is on on " + host + " (" + where.value + " " + std::to_string(value) +
                "): the System log shows the Kerberos errors (Security-Kerberos events 3 and 4)";
  }
  return f;
}

boost::asio::awaitable<std::vector<Finding>> KerberosLoggingProbe::run(ProbeContext&) {
  boost::system::error_code ec;
  std::string host = boost::asio::ip::host_name(ec);
  if (ec || host.empty()) host = "this server";
#ifdef _WIN32
  // A local registry read: no network step, nothing to wait for.
  co_return std::vector<Finding>{judge_kerberos_logging(host, read_log_level(where_), where_)};
#else
  co_return std::vector<Finding>{{"kerberos-logging", host, FindingStatus::Skipped,
                                  "Windows only: Kerberos logging is the " + where_.text() + " registry value",
                                  {{"key", where_.text()}}, ""}};
#endif
}

}  // namespace authwatch::probes
