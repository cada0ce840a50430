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
  // Columns from this one on are prose (a summary, a fix, the why): when the table does not fit the
  // terminal, they go under their row as "name: text" lines instead of squeezing every column.
  size_t details_from = static_cast<size_t>(-1);
};

// Aligned columns that fit `max_width` columns (0: no limit): when the natural widths do not fit,
// the widest columns narrow and their cells wrap onto more lines, at spaces where they can. Control
// characters from log data are shown escaped ("\x1b"), never sent to the terminal.
void write_table(std::ostream& out, const Rows& rows, size_t max_width);
void write_table(std::ostream& out, const Rows& rows);  // at table_width()

// The width tables are fitted to: set once by main from $COLUMNS or the terminal on stdout; 0 (no
// limit) when output goes to a file or a pipe.
size_t table_width();
void set_table_width(size_t columns);

// Text for a table cell: control characters (C0, DEL, C1) escaped as \xNN.
std::string printable(const std::string& text);

// Free text (show's evidence, a diagnosis' reasons) fitted to `width` columns (0: as it is): a longer
// line breaks at spaces (mid-word only when a word is too long) and goes on under its own
// indentation plus two spaces.
std::string fit_lines(const std::string& text, size_t width);
void write_csv(std::ostream& out, const Rows& rows);
std::string csv_field(const std::string& value);

// A confidence (0..1) as tables, `show` and the report print it: two decimals, "0.85".
std::string confidence_text(double confidence);

// JSON is rendered from the objects directly (numbers stay numbers); table/CSV from rows.
void write(std::ostream& out, OutputFormat format, const Rows& rows, const nlohmann::json& json);

}  // namespace authwatch::cli
