#pragma once
// The .evtx format (libyal's "Windows XML Event Log (EVTX)"; MS-EVEN6 for the BinXML): a 4 KiB
// file header, then 64 KiB chunks, each with its own header, string and template tables and
// records. Read chunk by chunk, so memory stays bounded whatever the file's size; the reader
// gets the file's first bytes, then each chunk in turn, then finish().
//
// Damage is reported, never fatal: a checksum that does not match (file header, chunk header,
// chunk records) is reported and the data read anyway where it allows; a chunk without its
// signature, a record whose size or signature is wrong, a template loop, a truncated file, each
// is one named problem (file / chunk / record + reason) and reading goes on with what follows.
// Record numbers that no readable record carries are reported as missing at the end.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/transport_event.hpp"
#include "sources/event_selection.hpp"
#include "sources/evtx/binxml.hpp"
#include "sources/file_source.hpp"

namespace authwatch::sources::evtx {

inline constexpr size_t kFileHeaderBlock = 4096;
inline constexpr size_t kChunkSize = 65536;

struct ReaderOptions {
  std::string location;                        // the file's path, copied into events and problems
  const EventSelection* selection = nullptr;   // null or empty: every event
  // A resumed read of a file read before: its header's problems are not reported again, nor
  // those of the first `quiet_chunks` chunks, and records numbered up to `skip_through` are
  // neither decoded nor reported.
  bool resumed = false;
  uint64_t quiet_chunks = 0;
  uint64_t skip_through = 0;
};

struct ReaderStats {
  uint64_t records = 0;         // records numbered above skip_through: delivered, not selected or bad
  uint64_t bad_records = 0;     // of which could not be read
  uint64_t delivered = 0;       // of which went to on_event
  uint64_t highest_number = 0;  // the highest record number found (skipped records included)
  uint64_t chunks = 0;          // chunk slots looked at (empty ones included)
};

using EventSink = std::function<void(TransportEvent&&)>;
using ProblemSink = std::function<void(ReadError&&)>;

class Reader {
 public:
  Reader(ReaderOptions options, EventSink on_event, ProblemSink on_problem);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The file's first bytes (up to kFileHeaderBlock). False, with `failure` saying why, when they
  // are not an .evtx file header at all (no signature, or fewer than its 128 bytes); problems
  // with a header that is there (checksum, version) are reported and reading goes on.
  bool read_header(Bytes head, std::string& failure);
  // The next chunk slot: kChunkSize bytes, fewer when the file ends inside it.
  void read_chunk(Bytes chunk);
  // After the last chunk: the chunks the header lists but the file lacks, the record numbers missing.
  void finish();

  const ReaderStats& stats() const { return stats_; }

 private:
  void report_chunk(const std::string& reason);
  void read_records(Bytes chunk, size_t begin, size_t end);
  void read_record(uint64_t number, size_t begin, size_t end, std::optional<size_t> damaged_at);
  void report_bad_record(uint64_t number, std::string cause, std::string reason);
  void flush_bad_records();
  void note_number(uint64_t number);
  void report_missing_numbers();

  ReaderOptions options_;
  EventSink on_event_;
  ProblemSink on_problem_;
  ReaderStats stats_;
  ChunkDocument document_;
  TransportEvent event_;  // reused record after record (its strings keep their capacity)
  uint64_t chunk_index_ = 0;
  uint64_t first_number_ = 0;  // the current chunk's record numbers, as its header gives them
  uint64_t last_number_ = 0;
  uint64_t header_chunks_ = 0;
  uint64_t file_offset_ = kFileHeaderBlock;
  struct BadRun {
    uint64_t first = 0, last = 0, count = 0;
    std::string cause;   // what the records of a run share
    std::string reason;  // the first one's
    bool same_reason = true;
  } bad_run_;  // consecutive records that failed for one cause, reported as one problem
  // Runs of consecutive record numbers found, for the missing ones; bounded.
  std::vector<std::pair<uint64_t, uint64_t>> runs_;
  bool runs_overflowed_ = false;
};

// The whole file in memory (`file`: its bytes from the start): what the FileSource does chunk by
// chunk, as one pure function over a byte span (fuzzing, tests). An Error only when `file` is
// not an .evtx file at all.
Result<ReaderStats> read_evtx(Bytes file, const ReaderOptions& options, const EventSink& on_event,
                              const ProblemSink& on_problem);

}  // namespace authwatch::sources::evtx
