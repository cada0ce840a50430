#pragma once
// Status values across part boundaries (as osquery's Status): a value or an Error. Exceptions stay
// inside a part.
//
// An Error says what failed three ways, each for its reader:
// - `code`: the kind of failure, as the part that reports it names it (its own enum class and
//   std::error_category, e.g. pipeline::IngestErrc). Callers that act differently on a kind compare
//   this, never the message. An Error made from a message alone has Errc::unclassified: nobody
//   branches on it, it is only shown.
// - `os`: the operating system's own number when an OS call caused the failure (errno in
//   std::generic_category, a Win32 error in std::system_category); empty otherwise.
// - `message`: for people; names the file, line, record or host.
// docs/architecture.md "Errors" describes the model.
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace authwatch {

// The kinds every part may use. 0 is never a kind (std::error_code's "no error").
enum class Errc {
  unclassified = 1,    // a failure that only has its message
  os_call_failed = 2,  // an operating-system call failed: Error::os has its number
};

class CoreErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "authwatch"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::unclassified: return "unclassified failure";
      case Errc::os_call_failed: return "an operating-system call failed";
    }
    return "unknown authwatch error " + std::to_string(value);
  }
};

inline const std::error_category& core_category() {
  static const CoreErrorCategory category;
  return category;
}

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), core_category()}; }

}  // namespace authwatch

template <>
struct std::is_error_code_enum<authwatch::Errc> : std::true_type {};

namespace authwatch {

struct Error {
  std::error_code code = Errc::unclassified;
  std::error_code os;  // empty unless an OS call failed
  std::string message;

  explicit Error(std::string text) : message(std::move(text)) {}
  explicit Error(const char* text) : message(text) {}
  Error(std::error_code kind, std::string text, std::error_code os_error = {})
      : code(kind), os(os_error), message(std::move(text)) {}
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  // The message (most callers only show it).
  const std::string& error() const { return std::get<1>(v_).message; }
  // The whole Error: to pass it on with its codes, or to branch on them.
  const Error& failure() const { return std::get<1>(v_); }
  std::error_code code() const { return std::get<1>(v_).code; }
  std::error_code os_error() const { return std::get<1>(v_).os; }

 private:
  std::variant<T, Error> v_;
};

// Success carries nothing: ok, or an Error. `return {};` is success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_->message; }
  const Error& failure() const { return *error_; }
  std::error_code code() const { return error_->code; }
  std::error_code os_error() const { return error_->os; }

 private:
  std::optional<Error> error_;
};

}  // namespace authwatch
