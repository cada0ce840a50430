// Exported .evtx files, read natively (sources/evtx/evtx_reader.hpp): the header, then one
// 64 KiB chunk at a time into one buffer, so a 1 GB log costs no more memory than a small one.
// Windows reads .evtx through wevtapi instead (sources/win/evtx_file.cpp).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "sources/evtx/evtx_reader.hpp"
#include "sources/fingerprint.hpp"
#include "sources/readers.hpp"
#include "sources/shared_file.hpp"

namespace authwatch::sources {
namespace {

// The bookmark keeps how many chunk slots were looked at, so a resumed read of the same file
// does not report the damage of those chunks again.
constexpr std::string_view kChunksTag = "chunks-read:";

uint64_t chunks_from(std::string_view bookmark) {
  if (!bookmark.starts_with(kChunksTag)) return 0;
  bookmark.remove_prefix(kChunksTag.size());
  uint64_t chunks = 0;
  std::from_chars(bookmark.data(), bookmark.data() + bookmark.size(), chunks);
  return chunks;
}

size_t read_up_to(std::FILE* file, std::vector<uint8_t>& buffer, size_t size) {
  size_t got = 0;
  while (got < size) {
    const size_t n = std::fread(buffer.data() + got, 1, size - got, file);
    if (n == 0) break;
    got += n;
  }
  return got;
}

class EvtxFile final : public FileSource {
 public:
  EvtxFile(std::string path, EventSelection selection) : path_(std::move(path)), selection_(std::move(selection)) {}

  FileFormat format() const override { return FileFormat::Evtx; }
  const std::string& path() const override { return path_; }

  // Position: identity = the file's fingerprint, record = the highest record number found (the
  // number in the record header, which `wevtutil epl` renumbers from 1), bookmark = the chunks
  // looked at. A resumed read skips records numbered up to `record` without decoding them.
  // Records that cannot be read count as bad; findings about the file or a chunk rather than a
  // record (checksums, a missing chunk signature, missing record numbers) are reported but not
  // counted: how many records they cost is unknown.
  Result<ReadSummary> read(const SourcePosition& from, const EventHandler& on_event,
                           const ErrorHandler& on_error) override {
    FilePtr file = open_shared(path_);
    if (!file) return Error{path_ + ": cannot open: " + std::strerror(errno)};
    const bool resumed = !from.identity.empty() && fingerprint_matches(path_, from.identity);
    evtx::ReaderOptions options;
    options.location = path_;
    options.selection = &selection_;
    options.resumed = resumed;
    options.quiet_chunks = resumed ? chunks_from(from.bookmark) : 0;
    options.skip_through = resumed ? from.record : 0;
    evtx::Reader reader(options, on_event, on_error);

    std::vector<uint8_t> buffer(evtx::kChunkSize);
    size_t got = read_up_to(file.get(), buffer, evtx::kFileHeaderBlock);
    std::string failure;
    if (!reader.read_header(evtx::Bytes(buffer.data(), got), failure)) return Error{path_ + ": " + failure};
    if (got == evtx::kFileHeaderBlock) {
      while ((got = read_up_to(file.get(), buffer, evtx::kChunkSize)) > 0) {
        reader.read_chunk(evtx::Bytes(buffer.data(), got));
        if (got < evtx::kChunkSize) break;
      }
    }
    if (std::ferror(file.get()))
      on_error({path_, "chunk " + std::to_string(reader.stats().chunks), std::string("read error: ") + std::strerror(errno)});
    reader.finish();

    const auto& stats = reader.stats();
    ReadSummary summary;
    summary.resumed = resumed;
    summary.records_read = stats.records;
    summary.bad_records = stats.bad_records;
    summary.position.identity = file_fingerprint(path_);
    summary.position.record = std::max(stats.highest_number, options.skip_through);
    summary.position.bookmark = std::string(kChunksTag) + std::to_string(stats.chunks);
    return summary;
  }

 private:
  std::string path_;
  EventSelection selection_;
};

}  // namespace

std::unique_ptr<FileSource> make_evtx_file(const std::string& path, const EventSelection& selection) {
  return std::make_unique<EvtxFile>(path, selection);
}

}  // namespace authwatch::sources
