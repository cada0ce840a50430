// The monitor on POSIX: syslog/journald as the system log sink; no platform sources.
#include <syslog.h>
#include <unistd.h>

#include "service/monitor.hpp"
#include "service/platform.hpp"

namespace authwatch::service {
namespace {

class SyslogSink final : public pipeline::AlertSink {
 public:
  SyslogSink() { openlog("authwatch", LOG_PID, LOG_DAEMON); }
  ~SyslogSink() override { closelog(); }
  std::string name() const override { return "syslog"; }
  Result<void> deliver(const storage::AlertRecord& a) override {
    // journald keeps the priority; the [event id] lets a rule key on the kind, as on Windows.
    const int priority = a.kind == "incident-resolved" ? LOG_NOTICE : LOG_WARNING;
    syslog(priority, "[%d] %s", a.windows_event_id, pipeline::alert_message(a).c_str());
    return {};
  }
};

}  // namespace

std::vector<std::unique_ptr<pipeline::AlertSink>> make_platform_sinks(const MonitorOptions& options) {
  std::vector<std::unique_ptr<pipeline::AlertSink>> sinks;
  if (options.syslog) sinks.push_back(std::make_unique<SyslogSink>());
  return sinks;
}

std::vector<std::unique_ptr<MonitorSource>> make_platform_sources(const MonitorOptions&, const Clock&) { return {}; }

std::unique_ptr<PassHook> make_kerberos_logging_switch(const MonitorOptions&, const Clock&) { return nullptr; }

long current_process_id() { return static_cast<long>(getpid()); }

}  // namespace authwatch::service
