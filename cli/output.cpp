#include "cli/output.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace authwatch::cli {
namespace {

size_t g_table_width = 0;
constexpr size_t kGap = 2;       // spaces between columns
constexpr size_t kMinColumn = 6;  // a narrowed column keeps at least this many (or its header's longest word)

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Display width in code points (UTF-8 continuation bytes take no column).
size_t width_of(std::string_view s) {
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
  while (width_of(rest) > w) {
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

// Fits the columns into max_width, as browsers lay out tables: every column gets at least its
// longest word (so words do not break; capped at kLongWord) and the room left goes to the columns
// with the most text beyond that, in proportion. Only when even the words do not fit do the widest
// columns narrow further, down to kMinColumn, and words break.
constexpr size_t kLongWord = 24;

void fit(std::vector<size_t>& widths, std::vector<size_t> floors, size_t max_width) {
  const size_t gaps = kGap * (widths.size() - 1);
  auto sum = [](const std::vector<size_t>& v) { return std::accumulate(v.begin(), v.end(), size_t{0}); };
  if (sum(widths) + gaps <= max_width) return;
  const size_t room = max_width > gaps ? max_width - gaps : 0;
  if (sum(floors) <= room) {
    // The room left makes whole the columns that want least first (a time or an address rather
    // than breaking it), then what remains is shared by the rest.
    size_t spare = room - sum(floors);
    std::vector<size_t> fitted = floors;
    std::vector<size_t> wanting;
    for (size_t i = 0; i < widths.size(); ++i)
      if (widths[i] > floors[i]) wanting.push_back(i);
    std::sort(wanting.begin(), wanting.end(), [&](size_t a, size_t b) { return widths[a] - floors[a] < widths[b] - floors[b]; });
    for (size_t k = 0; k < wanting.size(); ++k) {
      const size_t i = wanting[k];
      const size_t want = widths[i] - floors[i];
      const size_t given = want <= spare ? want : spare / (wanting.size() - k);
      fitted[i] += given;
      spare -= given;
    }
    widths = fitted;
    return;
  }
  widths = floors;
  while (sum(widths) > room) {
    size_t widest = 0;
    for (size_t i = 1; i < widths.size(); ++i)
      if (widths[i] > widths[widest]) widest = i;
    if (widths[widest] <= kMinColumn) return;  // the terminal is too narrow for the columns
    --widths[widest];
  }
}

}  // namespace

size_t table_width() { return g_table_width; }
void set_table_width(size_t columns) { g_table_width = columns; }

std::string confidence_text(double confidence) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", confidence);
  return buf;
}

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

std::string fit_lines(const std::string& text, size_t width) {
  if (width == 0) return text;
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool newline = end != std::string::npos;
    if (!newline) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (width < 20 || width_of(line) <= width) {
      out += line;
    } else {
      const size_t indent = std::min(line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' '), width / 2);
      const std::string hanging(indent + 2, ' ');
      auto parts = wrap(line.substr(indent), width - indent);
      out += std::string(indent, ' ') + parts.front();
      // The continuation lines are narrower by the hanging indent: wrap what is left again.
      std::string rest;
      for (size_t i = 1; i < parts.size(); ++i) rest += (i > 1 ? " " : "") + parts[i];
      for (const auto& part : rest.empty() ? std::vector<std::string>{} : wrap(rest, width - hanging.size()))
        out += "\n" + hanging + part;
    }
    if (newline) out += '\n';
    start = end + 1;
  }
  return out;
}

void write_table(std::ostream& out, const Rows& rows) { write_table(out, rows, table_width()); }

namespace {

// The table's lines: [0] the header, [1] the rule, then one entry per row (several lines when its
// cells wrap).
std::vector<std::vector<std::string>> layout(const Rows& rows, size_t max_width) {
  std::vector<std::vector<std::string>> out;
  const size_t n = rows.headers.size();
  if (n == 0) return out;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    std::vector<std::string> shown(n);
    for (size_t i = 0; i < n && i < row.size(); ++i) shown[i] = printable(row[i]);
    cells.push_back(std::move(shown));
  }
  std::vector<size_t> widths(n, 0), floors(n, 0);
  auto longest_word = [](const std::string& text) {
    size_t longest = 0;
    std::istringstream words(text);
    for (std::string word; words >> word;) longest = std::max(longest, width_of(word));
    return std::min(longest, kLongWord);
  };
  for (size_t i = 0; i < n; ++i) {
    widths[i] = width_of(rows.headers[i]);
    floors[i] = std::max(longest_word(rows.headers[i]), kMinColumn);
  }
  for (const auto& row : cells)
    for (size_t i = 0; i < n; ++i) {
      widths[i] = std::max(widths[i], width_of(row[i]));
      floors[i] = std::max(floors[i], longest_word(row[i]));
    }
  for (size_t i = 0; i < n; ++i) floors[i] = std::min(floors[i], widths[i]);
  if (max_width > 0) fit(widths, floors, max_width);

  auto line = [&](const std::vector<std::string>& row) {
    std::vector<std::string>& lines = out.emplace_back();
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
        if (i + 1 < n) text += std::string(widths[i] - std::min(widths[i], width_of(part)) + kGap, ' ');
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      lines.push_back(std::move(text));
    }
  };
  line(rows.headers);
  std::vector<std::string> rule;
  for (auto w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : cells) line(row);
  return out;
}

void write_columns(std::ostream& out, const Rows& rows, size_t max_width) {
  for (const auto& entry : layout(rows, max_width))
    for (const auto& line : entry) out << line << '\n';
}

size_t natural_width(const Rows& rows) {
  const size_t n = rows.headers.size();
  std::vector<size_t> widths(n, 0);
  for (size_t i = 0; i < n; ++i) widths[i] = width_of(rows.headers[i]);
  for (const auto& row : rows.rows)
    for (size_t i = 0; i < n && i < row.size(); ++i) widths[i] = std::max(widths[i], width_of(printable(row[i])));
  return std::accumulate(widths.begin(), widths.end(), size_t{0}) + kGap * (n ? n - 1 : 0);
}

}  // namespace

void write_table(std::ostream& out, const Rows& rows, size_t max_width) {
  const size_t split = std::min(rows.details_from, rows.headers.size());
  if (max_width == 0 || split == rows.headers.size() || split == 0 || natural_width(rows) <= max_width) {
    write_columns(out, rows, max_width);
    return;
  }
  // The leading columns as a table, each row followed by its prose, indented and wrapped.
  Rows head{{rows.headers.begin(), rows.headers.begin() + static_cast<std::ptrdiff_t>(split)}, {}};
  for (const auto& row : rows.rows)
    head.rows.emplace_back(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(std::min(split, row.size())));
  const auto entries = layout(head, max_width);
  for (size_t e = 0; e < entries.size(); ++e) {
    for (const auto& line : entries[e]) out << line << '\n';
    if (e < 2) continue;
    const auto& cells = rows.rows[e - 2];
    for (size_t c = split; c < rows.headers.size() && c < cells.size(); ++c)
      if (!cells[c].empty()) out << fit_lines("    " + rows.headers[c] + ": " + printable(cells[c]), max_width) << '\n';
  }
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
