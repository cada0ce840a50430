// Format names and content-based format detection for exported files.

#include "core/text.hpp"
#include "sources/file_source.hpp"
#include "sources/text_encoding.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {
namespace {

constexpr size_t kHeadSize = 4096;
constexpr std::string_view kEvtxMagic{"ElfFile\0", 8};

// The head is cut at an arbitrary byte: drop a trailing odd byte or a split surrogate pair so
// the part that is there still converts.
std::string utf16le_head_as_utf8(std::string_view head) {
  head.remove_suffix(head.size() % 2);
  for (int attempt = 0; attempt < 2 && head.size() >= 2; ++attempt) {
    if (auto text = utf16le_to_utf8(head)) return *std::move(text);
    head.remove_suffix(2);
  }
  return {};
}

FileFormat detect_text_format(std::string_view text) {
  if (has_utf8_bom(text)) text.remove_prefix(kUtf8Bom.size());
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return FileFormat::Unknown;
  text.remove_prefix(first);
  for (std::string_view directive : {"#Software:", "#Fields:", "#Version:", "#Log-type:"}) {
    if (istarts_with(text, directive)) return FileFormat::ProtocolLog;
  }
  if (text.front() == '[' || text.front() == '{') return FileFormat::QueueJson;
  // "<Event" also matches an <Events> root; an "<?xml" declaration or comments may come first.
  if (text.front() == '<' && text.find("<Event") != std::string_view::npos) return FileFormat::EventXml;
  return FileFormat::Unknown;
}

}  // namespace

std::string_view to_string(FileFormat f) {
  switch (f) {
    case FileFormat::EventXml: return "event-xml";
    case FileFormat::Evtx: return "evtx";
    case FileFormat::ProtocolLog: return "protocol-log";
    case FileFormat::QueueJson: return "queue-json";
    case FileFormat::Unknown: break;
  }
  return "unknown";
}

SourceKind source_kind_of(FileFormat f) {
  switch (f) {
    case FileFormat::Evtx: return SourceKind::Evtx;
    case FileFormat::ProtocolLog: return SourceKind::ProtocolLog;
    case FileFormat::QueueJson: return SourceKind::QueueSnapshot;
    case FileFormat::EventXml:
    case FileFormat::Unknown: break;  // SourceKind has no "unknown"; nothing reads Unknown files
  }
  return SourceKind::EventXml;
}

FileFormat detect_format(std::string_view head) {
  if (head.starts_with(kEvtxMagic)) return FileFormat::Evtx;
  if (has_utf16le_bom(head)) return detect_text_format(utf16le_head_as_utf8(head));
  return detect_text_format(head);
}

FileFormat detect_file_format(const std::string& path) {
  SharedInputFile in(path);
  if (!in) return FileFormat::Unknown;
  std::string head(kHeadSize, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return detect_format(head);
}

}  // namespace authwatch::sources
