#pragma once
// Shared by the storage tests: a fresh temporary folder per test, and small builders of the
// values the stores take. Times are whole milliseconds because that is what the database keeps.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/signal.hpp"
#include "core/transport_event.hpp"
#include "storage/database.hpp"

namespace authwatch::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("authwatch-storage-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline TimePoint at(const char* iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(TimePoint{});
}

inline std::unique_ptr<Database> open_or_fail(const std::filesystem::path& file,
                                              Database::Mode mode = Database::Mode::ReadWrite) {
  auto db = Database::open(file.string(), mode);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error());
  return db.ok() ? std::move(db).value() : nullptr;
}

// An event 1035 as the event-log readers produce it.
inline TransportEvent make_event(const std::string& key, const char* time, const std::string& locator = "record 1") {
  TransportEvent e;
  e.source_kind = SourceKind::Evtx;
  e.location = "/logs/Application.evtx";
  e.locator = locator;
  e.key = key;
  e.time = at(time);
  e.provider = "MSExchangeFrontEndTransport";
  e.event_id = 1035;
  e.level = 2;
  e.channel = "Application";
  e.computer = "EX01.contoso.com";
  e.record_id = 42;
  e.text = "Inbound authentication failed with error IllegalMessage for Receive connector Default Frontend EX01.";
  e.fields = {{"1", "IllegalMessage"}, {"2", "Default Frontend EX01"}, {"3", "ExchangeAuth"}, {"4", "10.0.0.12"}};
  return e;
}

inline Signal make_signal(const std::string& key, const std::string& event_key, const char* time,
                          SignalClass signal_class = SignalClass::Fault, const std::string& peer_ip = "10.0.0.12",
                          const std::string& peer_name = "") {
  Signal s;
  s.key = key;
  s.event_key = event_key;
  s.rule = signal_class == SignalClass::Fault ? "event-1035-exchange-auth" : "event-1035-client-logon";
  s.signal_class = signal_class;
  s.direction = Direction::Inbound;
  s.time = at(time);
  s.peer_ip = peer_ip;
  s.peer_name = peer_name;
  s.connector = "Default Frontend EX01";
  s.mechanism = "ExchangeAuth";
  s.status = "IllegalMessage";
  s.reply = "454 4.7.0 Temporary authentication failure";
  s.evidence = {{"lines", {"line one", "line two"}}, {"record", 42}};
  return s;
}

}  // namespace authwatch::storage::testing
