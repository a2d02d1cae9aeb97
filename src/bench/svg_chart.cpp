// SVG bar charts (lesson 12). See svg_chart.hpp.
// @lesson 12
#include "src/bench/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace duplex::bench {

namespace {

constexpr const char* kColours[] = {"#3b6ea5", "#e08a2c", "#5a9e4b", "#b84a4a", "#7d5ba6"};
constexpr int kWidth = 820;
constexpr int kLabelWidth = 260;
constexpr int kPlotWidth = 420;
constexpr int kBarHeight = 16;
constexpr int kBarGap = 4;
constexpr int kRowGap = 14;
constexpr int kTop = 40;

bool drawable(double value) {
  return std::isfinite(value) && value >= 0;
}

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// The axis end: the largest value or target rounded up to 1, 2 or 5 times a power of ten.
double axis_max(const BarChart& chart) {
  double largest = 0;
  for (const auto& series : chart.series)
    for (double v : series.values)
      if (drawable(v)) largest = std::max(largest, v);
  for (double t : chart.targets)
    if (drawable(t)) largest = std::max(largest, t);
  if (largest <= 0) return 1;
  double power = std::pow(10.0, std::floor(std::log10(largest)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (step * power >= largest) return step * power;
  return 10 * power;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return "n/a";
  char text[64];
  if (std::fabs(value) < 1000) {
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
  }
  std::snprintf(text, sizeof text, "%.0f", std::fabs(value));
  std::string digits = text;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string render_svg(const BarChart& chart) {
  const int series_count = static_cast<int>(chart.series.size());
  const int row_height = std::max(1, series_count) * (kBarHeight + kBarGap) + kRowGap;
  const int rows = static_cast<int>(chart.categories.size());
  const int legend_top = kTop + rows * row_height + 24;
  const int height = legend_top + 24;
  const double top_value = axis_max(chart);
  auto x_of = [&](double v) { return kLabelWidth + v / top_value * kPlotWidth; };

  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) +
         " " + std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" +
         xml_escape(chart.title) + "</text>\n";
  // Grid: five steps from 0 to the axis end.
  for (int i = 0; i <= 5; ++i) {
    double v = top_value * i / 5;
    std::string x = fixed(x_of(v));
    svg += "<line x1=\"" + x + "\" y1=\"" + std::to_string(kTop - 6) + "\" x2=\"" + x + "\" y2=\"" +
           std::to_string(kTop + rows * row_height) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + std::to_string(kTop + rows * row_height + 14) +
           "\" text-anchor=\"middle\" fill=\"#555\">" + xml_escape(format_number(v)) + "</text>\n";
  }
  for (int row = 0; row < rows; ++row) {
    const int row_top = kTop + row * row_height;
    const int label_y = row_top + (row_height - kRowGap) / 2 + 4;
    svg += "<text x=\"" + std::to_string(kLabelWidth - 8) + "\" y=\"" + std::to_string(label_y) +
           "\" text-anchor=\"end\">" + xml_escape(chart.categories[static_cast<std::size_t>(row)]) +
           "</text>\n";
    for (int s = 0; s < series_count; ++s) {
      const auto& values = chart.series[static_cast<std::size_t>(s)].values;
      double v = static_cast<std::size_t>(row) < values.size()
                     ? values[static_cast<std::size_t>(row)]
                     : std::nan("");
      const int y = row_top + s * (kBarHeight + kBarGap);
      if (!drawable(v)) {
        svg += "<text x=\"" + std::to_string(kLabelWidth + 4) + "\" y=\"" +
               std::to_string(y + kBarHeight - 4) + "\" fill=\"#888\">not measured</text>\n";
        continue;
      }
      svg += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(y) +
             "\" width=\"" + fixed(x_of(v) - kLabelWidth) + "\" height=\"" +
             std::to_string(kBarHeight) + "\" fill=\"" + kColours[s % 5] + "\"/>\n";
      svg += "<text x=\"" + fixed(x_of(v) + 4) + "\" y=\"" + std::to_string(y + kBarHeight - 4) +
             "\">" + xml_escape(format_number(v) + (chart.unit.empty() ? "" : " " + chart.unit)) +
             "</text>\n";
    }
    if (static_cast<std::size_t>(row) < chart.targets.size() &&
        drawable(chart.targets[static_cast<std::size_t>(row)])) {
      std::string x = fixed(x_of(chart.targets[static_cast<std::size_t>(row)]));
      svg += "<line x1=\"" + x + "\" y1=\"" + std::to_string(row_top - 3) + "\" x2=\"" + x +
             "\" y2=\"" + std::to_string(row_top + row_height - kRowGap + 1) +
             "\" stroke=\"#b00\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n";
    }
  }
  int legend_x = kLabelWidth;
  for (int s = 0; s < series_count; ++s) {
    const std::string& name = chart.series[static_cast<std::size_t>(s)].name;
    svg += "<rect x=\"" + std::to_string(legend_x) + "\" y=\"" + std::to_string(legend_top) +
           "\" width=\"12\" height=\"12\" fill=\"" + kColours[s % 5] + "\"/>\n";
    svg += "<text x=\"" + std::to_string(legend_x + 16) + "\" y=\"" +
           std::to_string(legend_top + 10) + "\">" + xml_escape(name) + "</text>\n";
    legend_x += 30 + static_cast<int>(name.size()) * 7;
  }
  if (!chart.targets.empty()) {
    svg += "<line x1=\"" + std::to_string(legend_x) + "\" y1=\"" + std::to_string(legend_top + 6) +
           "\" x2=\"" + std::to_string(legend_x + 14) + "\" y2=\"" +
           std::to_string(legend_top + 6) +
           "\" stroke=\"#b00\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n";
    svg += "<text x=\"" + std::to_string(legend_x + 18) + "\" y=\"" +
           std::to_string(legend_top + 10) + "\">target</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace duplex::bench
