#include "sources/file_source.hpp"

#include "sources/readers.hpp"

namespace authwatch::sources {

std::unique_ptr<FileSource> make_file_source(const std::string& path, FileFormat format,
                                             const EventSelection& selection) {
  switch (format) {
    case FileFormat::EventXml: return make_event_xml_file(path);
    case FileFormat::Evtx: return make_evtx_file(path, selection);
    case FileFormat::ProtocolLog: return make_protocol_log_file(path);
    case FileFormat::QueueJson: return make_queue_json_file(path);
    case FileFormat::Unknown: break;
  }
  return nullptr;
}

}  // namespace authwatch::sources
