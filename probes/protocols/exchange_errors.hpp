#pragma once
// The kinds of a failed network exchange that a caller acts on (the model: core/result.hpp).
// kdc_exchange tries UDP only after the KDC refused TCP: it compares the code, not the message.
#include <string>
#include <system_error>

namespace authwatch::probes {

enum class ExchangeErrc {
  refused = 1,  // the host refused the TCP connection (a reset): something listens for UDP, perhaps
};

class ExchangeErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "authwatch.exchange"; }
  std::string message(int value) const override {
    return value == static_cast<int>(ExchangeErrc::refused) ? "connection refused" : "unknown exchange error " + std::to_string(value);
  }
};

inline const std::error_category& exchange_category() {
  static const ExchangeErrorCategory category;
  return category;
}

inline std::error_code make_error_code(ExchangeErrc e) { return {static_cast<int>(e), exchange_category()}; }

}  // namespace authwatch::probes

template <>
struct std::is_error_code_enum<authwatch::probes::ExchangeErrc> : std::true_type {};
