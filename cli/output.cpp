#include "cli/output.hpp"

#include <algorithm>

namespace authwatch::cli {
namespace {

// Display width in code points (UTF-8 continuation bytes take no column).
size_t width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

void write_table(std::ostream& out, const Rows& rows) {
  std::vector<size_t> widths(rows.headers.size(), 0);
  for (size_t i = 0; i < rows.headers.size(); ++i) widths[i] = width(rows.headers[i]);
  for (const auto& row : rows.rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      text += cell;
      if (i + 1 < widths.size()) text += std::string(widths[i] - width(cell) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  line(rows.headers);
  std::vector<std::string> rule;
  for (auto w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : rows.rows) line(row);
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

void write_csv(std::ostream& out, const Rows& rows) {
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << csv_field(cells[i]);
    out << "\r\n";
  };
  line(rows.headers);
  for (const auto& row : rows.rows) line(row);
}

void write(std::ostream& out, OutputFormat format, const Rows& rows, const nlohmann::json& json) {
  switch (format) {
    case OutputFormat::Table: write_table(out, rows); break;
    case OutputFormat::Csv: write_csv(out, rows); break;
    case OutputFormat::Json: out << json.dump(2) << '\n'; break;
  }
}

}  // namespace authwatch::cli
