#pragma once
// Opening a log or export for reading the way a follower of another program's files must.
// On Windows: full sharing (FILE_SHARE_READ | WRITE | DELETE), so Exchange can go on appending,
// rotate the file or delete it under its retention while AuthWatch reads it, and a handle that
// child processes (the Get-Queue command) do not inherit — an inherited handle would hold a log
// that Exchange wants to delete for as long as the child runs. On POSIX: O_CLOEXEC.
// The implementations are sources/posix/shared_file.cpp and sources/win/shared_file.cpp.
#include <cstdio>
#include <istream>
#include <memory>
#include <string>

namespace authwatch::sources {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Binary, read-only; null when the file cannot be opened (errno says why).
FilePtr open_shared(const std::string& path);

// The same as an input stream (seekable). `!stream` when the file cannot be opened.
class SharedInputFile : public std::istream {
 public:
  explicit SharedInputFile(const std::string& path);
  ~SharedInputFile() override;
  SharedInputFile(const SharedInputFile&) = delete;
  SharedInputFile& operator=(const SharedInputFile&) = delete;

 private:
  FilePtr file_;
  std::unique_ptr<std::streambuf> buffer_;
};

}  // namespace authwatch::sources
