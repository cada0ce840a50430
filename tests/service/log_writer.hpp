#pragma once
// Writes SMTP receive protocol logs the way Exchange does (header, then sessions line by line),
// for the monitor's tests.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/time.hpp"

namespace authwatch::test {

inline std::string receive_log_header(TimePoint created) {
  return "\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: " +
         format_iso8601(created) +
         "\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";
}

// The lines of one receive session from `peer_ip` (EHLO `ehlo`), stamped now. failing: X-EXPS
// answered 454 4.7.0; else 235. `part` 1 = up to X-EXPS, 2 = the rest, 0 = all.
inline std::string receive_session(const std::string& id, const std::string& peer_ip, bool failing, int part = 0,
                                   const std::string& ehlo = "peer.contoso.com") {
  const std::string t = format_iso8601(SystemClock{}.now()), p = t + ",EX2\\Default EX2," + id + ",";
  const std::string e = ",10.0.0.2:2525," + peer_ip + ":41234,";
  std::string first = p + "0" + e + "+,,\r\n" + p + "1" + e + "<,EHLO " + ehlo + ",\r\n" + p + "2" + e +
                      "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n";
  std::string rest = failing ? p + "3" + e + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" + p + "4" + e +
                                   ">,454 4.7.0 Temporary authentication failure,\r\n" + p + "5" + e + "-,,Local\r\n"
                             : p + "3" + e + ">,235 <authentication response>,\r\n" + p + "4" + e + "-,,Remote(Close)\r\n";
  return part == 1 ? first : part == 2 ? rest : first + rest;
}

inline void append_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

}  // namespace authwatch::test
