// BarChart: a horizontal bar chart written as SVG text, so docs/benchmarks.md can show pictures
// without a plotting dependency (lesson 12).
//
// One row per category; each series draws one bar per row in its own colour; an optional
// target per row draws a dashed line across that row (a goal to reach, like "90 % of TCP").
// @lesson 12
#pragma once

#include <string>
#include <vector>

namespace duplex::bench {

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category; NaN or negative: no bar
};

struct BarChart {
  std::string title;
  std::string unit;                     // printed after each value and on the axis
  std::vector<std::string> categories;  // row labels, top to bottom
  std::vector<BarSeries> series;
  std::vector<double> targets;  // empty, or one per category (NaN: no target on that row)
};

// A complete, standalone SVG document. Text is XML-escaped.
std::string render_svg(const BarChart& chart);

// "&", "<", ">", '"' and "'" as entities.
std::string xml_escape(const std::string& text);

// A value for a label: from 1000 up, a whole number with thousands grouped by spaces
// ("181 234"); below, 3 significant digits ("0.912", "12.5").
std::string format_number(double value);

}  // namespace duplex::bench
