#pragma once
// The schema as numbered migrations (migrations.cpp holds the table and the rule that keeps it safe).
#include <span>
#include <string_view>

namespace SQLite { class Database; }

namespace authwatch::storage {

struct Migration {
  int version;            // 1, 2, 3, ... rising (a gap: a number another branch holds until it merges); PRAGMA user_version once applied
  std::string_view name;  // recorded in schema_migrations, for people reading the file
  std::string_view sql;   // one or more statements
};

// Every migration, ascending by version.
std::span<const Migration> migrations();

// PRAGMA user_version: the last migration applied (0 for a new file).
int read_schema_version(SQLite::Database& db);

// Applies each migration newer than the file's version in its own BEGIN IMMEDIATE transaction,
// re-reading the version inside it, so two processes opening a new file do not both apply one.
// Records each in schema_migrations and keeps user_version equal. Throws SQLite::Exception.
void apply_pending_migrations(SQLite::Database& db);

}  // namespace authwatch::storage
