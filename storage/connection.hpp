#pragma once
// Internal to storage/: the SQLite connection behind a Database, with the prepared statements the
// stores reuse. Store's public header holds only a Database&, so the statement cache lives with the
// connection it belongs to; it is destroyed (statements finalized) before the connection closes.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace authwatch::storage {

class Connection : public SQLite::Database {
 public:
  using SQLite::Database::Database;

  // The statement for sql, prepared on first use and reset with cleared bindings on every use.
  // Single-threaded, like the Database it belongs to.
  SQLite::Statement& statement(std::string_view sql);

 private:
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> statements_;
};

// Database::sqlite() is always a Connection (database.cpp creates nothing else).
inline Connection& connection_of(Database& db) { return static_cast<Connection&>(db.sqlite()); }

// Resets a cached statement when a use ends, also by exception, so that a half-read SELECT does
// not keep a read transaction (and its WAL snapshot) open.
class StatementUse {
 public:
  explicit StatementUse(SQLite::Statement& statement) : statement_(statement) {}
  ~StatementUse() { statement_.tryReset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  SQLite::Statement* operator->() { return &statement_; }
  SQLite::Statement& operator*() { return statement_; }

 private:
  SQLite::Statement& statement_;
};

}  // namespace authwatch::storage
