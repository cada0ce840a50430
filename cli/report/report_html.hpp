#pragma once
// The report as one self-contained HTML file: inline CSS and SVG, no script, no network resource
// (a Content-Security-Policy says so to the browser too), readable on screen and printed (A4, an
// incident per page, table headers repeated). Every text from logs goes through escape_html.
#include <string>

#include "cli/report/report_model.hpp"

namespace authwatch::cli {

std::string render_report_html(const ReportModel& model);

}  // namespace authwatch::cli
