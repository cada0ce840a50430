// Get-Queue snapshots as Windows PowerShell 5.1 writes them: the input is the UTF-16LE text after
// the BOM, so every mutation exercises the UTF-16 line splitting and decoding.
#include "fuzz/queue_json_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  authwatch::fuzz::check_queue_snapshot("\xFF\xFE" + std::string(authwatch::fuzz::as_text(data, size)));
  return 0;
}
