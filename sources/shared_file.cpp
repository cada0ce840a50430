#include "sources/shared_file.hpp"

#include <ext/stdio_filebuf.h>  // libstdc++ (GCC and MinGW-w64): a streambuf over a FILE*

namespace authwatch::sources {

SharedInputFile::SharedInputFile(const std::string& path) : std::istream(nullptr), file_(open_shared(path)) {
  if (!file_) {
    setstate(std::ios::failbit);
    return;
  }
  buffer_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(file_.get(), std::ios::in | std::ios::binary, 1 << 16);
  rdbuf(buffer_.get());
}

SharedInputFile::~SharedInputFile() {
  rdbuf(nullptr);
  buffer_.reset();  // before the FILE it reads from
}

}  // namespace authwatch::sources
