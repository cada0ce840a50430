#include "app/logging.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/shared_ptr.hpp>

namespace authwatch::app {

void init_logging(std::ostream& err, int verbosity, bool quiet) {
  namespace logging = boost::log;
  namespace sinks = boost::log::sinks;
  namespace expr = boost::log::expressions;
  using severity = logging::trivial::severity_level;

  auto core = logging::core::get();
  core->remove_all_sinks();
  auto backend = boost::make_shared<sinks::text_ostream_backend>();
  backend->add_stream(boost::shared_ptr<std::ostream>(&err, boost::null_deleter()));
  backend->auto_flush(true);
  auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
  sink->set_formatter(expr::stream << "authwatch: " << logging::trivial::severity << ": " << expr::smessage);
  severity min = quiet ? severity::error : verbosity >= 2 ? severity::trace : verbosity == 1 ? severity::info : severity::warning;
  sink->set_filter(logging::trivial::severity >= min);
  core->add_sink(sink);
}

}  // namespace authwatch::app
