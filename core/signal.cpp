#include "core/signal.hpp"

#include "core/text.hpp"

namespace authwatch {

std::string_view to_string(Direction d) { return d == Direction::Inbound ? "inbound" : "outbound"; }

std::string_view to_string(SignalClass c) {
  switch (c) {
    case SignalClass::Fault: return "fault";
    case SignalClass::Noise: return "noise";
    case SignalClass::Context: return "context";
  }
  return "fault";
}

bool parse_signal_class(std::string_view text, SignalClass& out) {
  for (auto c : {SignalClass::Fault, SignalClass::Noise, SignalClass::Context})
    if (text == to_string(c)) { out = c; return true; }
  return false;
}

bool parse_direction(std::string_view text, Direction& out) {
  if (text == "inbound") { out = Direction::Inbound; return true; }
  if (text == "outbound") { out = Direction::Outbound; return true; }
  return false;
}

}  // namespace authwatch
