#pragma once
// Internal to sources/: one constructor per reader, used by make_file_source.
#include <memory>
#include <string>

#include "sources/event_selection.hpp"
#include "sources/file_source.hpp"

namespace authwatch::sources {

std::unique_ptr<FileSource> make_event_xml_file(const std::string& path);
std::unique_ptr<FileSource> make_evtx_file(const std::string& path, const EventSelection& selection = {});
std::unique_ptr<FileSource> make_protocol_log_file(const std::string& path, uint64_t max_line_bytes = kDefaultMaxLineBytes);
std::unique_ptr<FileSource> make_queue_json_file(const std::string& path, const LocalTimeRules& local_times = {},
                                                 uint64_t max_line_bytes = kDefaultMaxLineBytes);

}  // namespace authwatch::sources
