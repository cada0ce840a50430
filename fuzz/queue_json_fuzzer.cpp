// Get-Queue snapshots as bytes (UTF-8, with or without a BOM; a UTF-16LE BOM is honoured too).
#include "fuzz/queue_json_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  authwatch::fuzz::check_queue_snapshot(std::string(authwatch::fuzz::as_text(data, size)));
  return 0;
}
