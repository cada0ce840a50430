// Exported event XML files (`wevtutil qe /f:xml`, Get-WinEvent ToXml, <Events> documents).
// Exports are written whole, so they are read whole: a position names the exact content read,
// an unchanged file is not read again, and a changed one is read from the start (storage dedups
// the events it already has by their keys).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/text.hpp"
#include "sources/event_xml.hpp"
#include "sources/readers.hpp"
#include "sources/text_encoding.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {
namespace {

Result<std::string> read_whole_file(const std::string& path) {
  FilePtr file = open_shared(path);
  if (!file) return Error{path + ": cannot open: " + std::strerror(errno)};
  std::string bytes;
  char buffer[1 << 16];
  size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) bytes.append(buffer, count);
  if (std::ferror(file.get())) return Error{path + ": cannot read: " + std::strerror(errno)};
  return bytes;
}

std::string content_identity(std::string_view bytes) {
  return "sha:" + hex64(fnv1a64(bytes)) + ":" + std::to_string(bytes.size());
}

class EventXmlFile final : public FileSource {
 public:
  explicit EventXmlFile(std::string path) : path_(std::move(path)) {}

  FileFormat format() const override { return FileFormat::EventXml; }
  const std::string& path() const override { return path_; }

  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event,
                           const ErrorHandler& on_error) override {
    auto bytes = read_whole_file(path_);
    if (!bytes) return Error{bytes.error()};
    ReadSummary summary;
    summary.position.identity = content_identity(bytes.value());
    summary.position.offset = bytes.value().size();
    if (from.identity == summary.position.identity) {
      summary.resumed = true;
      summary.position.record = from.record;
      return summary;
    }

    auto report = [&](ReadError error) {
      ++summary.records_read;
      ++summary.bad_records;
      on_error(std::move(error));
    };
    auto text = decode_to_utf8(bytes.value());
    // Windows PowerShell writes UTF-16LE; a copy cut at an odd byte still has its events before it.
    if (!text && has_utf16le_bom(bytes.value()) && bytes.value().size() % 2 == 1) {
      report({path_, "byte " + std::to_string(bytes.value().size() - 1), "odd trailing byte: UTF-16LE text cut short"});
      text = decode_to_utf8(std::string_view(bytes.value()).substr(0, bytes.value().size() - 1));
    }
    if (!text) {
      report({path_, "file", "not valid UTF-16LE text (unpaired surrogate); nothing in the file was read"});
      return summary;
    }

    auto parsed = parse_event_xml_stream(*text, SourceKind::EventXml, path_);
    summary.position.record = parsed.events.size();
    summary.records_read += parsed.events.size();
    for (auto& event : parsed.events) on_event(std::move(event));
    for (auto& error : parsed.errors) report(std::move(error));
    return summary;
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<FileSource> make_event_xml_file(const std::string& path) {
  return std::make_unique<EventXmlFile>(path);
}

}  // namespace authwatch::sources
