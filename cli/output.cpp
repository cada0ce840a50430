#include "cli/output.hpp"

#include <algorithm>
#include <numeric>

namespace authwatch::cli {
namespace {

size_t g_table_width = 0;
constexpr size_t kGap = 2;       // spaces between columns
constexpr size_t kMinColumn = 8;  // a narrowed column keeps at least this many (or its header's)

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Display width in code points (UTF-8 continuation bytes take no column).
size_t width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !continuation(c); }));
}

// The byte offset after `columns` code points of `s` (or its end).
size_t bytes_for(std::string_view s, size_t columns) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if (!continuation(s[i]) && seen++ == columns) break;
  }
  return i;
}

// A cell cut into lines of at most `w` columns: at the last space that fits, else mid-word.
std::vector<std::string> wrap(const std::string& cell, size_t w) {
  std::vector<std::string> lines;
  std::string_view rest = cell;
  while (width(rest) > w) {
    size_t cut = bytes_for(rest, w);
    const size_t space = rest.substr(0, cut + 1).find_last_of(' ');
    if (space != std::string_view::npos && space > 0) cut = space;
    lines.emplace_back(rest.substr(0, cut));
    while (lines.back().size() && lines.back().back() == ' ') lines.back().pop_back();
    rest.remove_prefix(cut);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  lines.emplace_back(rest);
  return lines;
}

// Narrows the widest columns, one column-width at a time, until the row fits or none can narrow.
void fit(std::vector<size_t>& widths, const std::vector<size_t>& floors, size_t max_width) {
  auto total = [&] { return std::accumulate(widths.begin(), widths.end(), size_t{0}) + kGap * (widths.size() - 1); };
  while (total() > max_width) {
    size_t widest = widths.size();
    for (size_t i = 0; i < widths.size(); ++i)
      if (widths[i] > floors[i] && (widest == widths.size() || widths[i] > widths[widest])) widest = i;
    if (widest == widths.size()) return;  // everything at its floor: the terminal is too narrow
    // Down to the next widest column's width (or just enough), so wide columns share the cut.
    size_t next = floors[widest];
    for (size_t i = 0; i < widths.size(); ++i)
      if (i != widest && widths[i] < widths[widest]) next = std::max(next, widths[i]);
    const size_t excess = total() - max_width;
    widths[widest] = std::max({next, floors[widest], widths[widest] > excess ? widths[widest] - excess : 0});
  }
}

}  // namespace

size_t table_width() { return g_table_width; }
void set_table_width(size_t columns) { g_table_width = columns; }

std::string printable(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls arrive in UTF-8 as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      const auto c1 = static_cast<unsigned char>(text[++i]);
      out += "\\x";
      out += kHex[c1 >> 4];
      out += kHex[c1 & 0xF];
    } else if (c < 0x20 || c == 0x7F) {
      out += c == '\t' ? std::string(" ") : std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

void write_table(std::ostream& out, const Rows& rows) { write_table(out, rows, table_width()); }

void write_table(std::ostream& out, const Rows& rows, size_t max_width) {
  const size_t n = rows.headers.size();
  if (n == 0) return;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    std::vector<std::string> shown(n);
    for (size_t i = 0; i < n && i < row.size(); ++i) shown[i] = printable(row[i]);
    cells.push_back(std::move(shown));
  }
  std::vector<size_t> widths(n, 0), floors(n, 0);
  for (size_t i = 0; i < n; ++i) {
    widths[i] = width(rows.headers[i]);
    floors[i] = std::max(widths[i], kMinColumn);
  }
  for (const auto& row : cells)
    for (size_t i = 0; i < n; ++i) widths[i] = std::max(widths[i], width(row[i]));
  for (size_t i = 0; i < n; ++i) floors[i] = std::min(floors[i], widths[i]);
  if (max_width > 0) fit(widths, floors, max_width);

  auto line = [&](const std::vector<std::string>& row) {
    std::vector<std::vector<std::string>> wrapped(n);
    size_t height = 1;
    for (size_t i = 0; i < n; ++i) {
      wrapped[i] = wrap(i < row.size() ? row[i] : std::string(), widths[i]);
      height = std::max(height, wrapped[i].size());
    }
    for (size_t l = 0; l < height; ++l) {
      std::string text;
      for (size_t i = 0; i < n; ++i) {
        const std::string& part = l < wrapped[i].size() ? wrapped[i][l] : std::string();
        text += part;
        if (i + 1 < n) text += std::string(widths[i] - std::min(widths[i], width(part)) + kGap, ' ');
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out << text << '\n';
    }
  };
  line(rows.headers);
  std::vector<std::string> rule;
  for (auto w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : cells) line(row);
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
