#include "sources/file_source.hpp"

#include "sources/readers.hpp"

namespace authwatch::sources {

Result<ReadSummary> FileSource::read_lines(const SourcePosition&, const LineHandler&, const ErrorHandler&) {
  return Error{path() + ": not a protocol log: its records are not lines"};
}

std::unique_ptr<FileSource> make_file_source(const std::string& path, FileFormat format, const ReadOptions& options) {
  switch (format) {
    case FileFormat::EventXml: return make_event_xml_file(path);
    case FileFormat::Evtx: return make_evtx_file(path, options.selection);
    case FileFormat::ProtocolLog: return make_protocol_log_file(path, options.max_line_bytes);
    case FileFormat::QueueJson: return make_queue_json_file(path, options.local_times, options.max_line_bytes);
    case FileFormat::Unknown: break;
  }
  return nullptr;
}

}  // namespace authwatch::sources
