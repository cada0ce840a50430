#pragma once
// One result set, three renderings: aligned table for people, CSV (RFC 4180) and JSON for scripts.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace authwatch::cli {

enum class OutputFormat { Table, Json, Csv };

struct Rows {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

void write_table(std::ostream& out, const Rows& rows);
void write_csv(std::ostream& out, const Rows& rows);
std::string csv_field(const std::string& value);

// JSON is rendered from the objects directly (numbers stay numbers); table/CSV from rows.
void write(std::ostream& out, OutputFormat format, const Rows& rows, const nlohmann::json& json);

}  // namespace authwatch::cli
