#include "dskit/balance/plot/plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "dskit/base/enum_names.h"
#include "dskit/base/fileio.h"

namespace dskit {

namespace {

constexpr int kWidth = 1200;
constexpr int kTop = 64;        // title and its gap
constexpr int kBottom = 64;     // axis labels and axis title
constexpr int kRight = 90;      // room for the count after the longest bar
constexpr int kMaxNameW = 320;  // class names are cut with "..." beyond this
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kLabelScale = 0.45;
constexpr double kTitleScale = 0.65;
const cv::Scalar kBg(255, 255, 255), kText(40, 40, 40), kGrid(225, 225, 225), kAxis(90, 90, 90),
    kBar(180, 119, 31), kEmpty(40, 40, 200), kCountIn(255, 255, 255);

int row_height(std::size_t k) {
  if (k <= 30) return 24;
  if (k <= 100) return 14;
  if (k <= 300) return 6;
  return 3;
}

// Hershey fonts draw ASCII only: other bytes become '?'.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

int text_width(const std::string& s, double scale) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, 1, &base).width;
}

std::string fit(std::string_view name, int max_w) {
  std::string s = printable(name.substr(0, 200));
  if (text_width(s, kLabelScale) <= max_w) return s;
  while (!s.empty() && text_width(s + "...", kLabelScale) > max_w) s.pop_back();
  return s + "...";
}

std::string count_text(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string tick_text(double v) {
  if (v >= 1e6 && std::fmod(v, 1e6) == 0) return count_text(static_cast<uint64_t>(v / 1e6)) + "M";
  if (v >= 1e4 && std::fmod(v, 1e3) == 0) return count_text(static_cast<uint64_t>(v / 1e3)) + "k";
  return count_text(static_cast<uint64_t>(v));
}

double nice_step(double range) {
  const double raw = range / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

cv::Mat draw(const Distribution& d, const PlotOptions& o) {
  const std::size_t k = d.classes.size();
  const PlotSize size = plot_size(k);
  cv::Mat img(size.height, size.width, CV_8UC3, kBg);
  const int row_h = row_height(k);
  const int label_every = (13 + row_h - 1) / row_h;  // a name every n-th row so that names never overlap
  uint64_t total = 0, max_count = 0;
  for (const auto& c : d.classes) {
    total += c.count;
    max_count = std::max(max_count, c.count);
  }

  // Left margin: the widest shown name, capped.
  int name_w = 0;
  for (std::size_t i = 0; i < k; i += static_cast<std::size_t>(label_every))
    name_w = std::max(name_w, text_width(fit(d.classes[i].name, kMaxNameW), kLabelScale));
  const int x0 = 16 + name_w + 8, x1 = size.width - kRight;
  const int y0 = kTop, y1 = kTop + static_cast<int>(k) * row_h;

  // Title.
  std::string title = o.title.empty() ? "class counts" : "class counts: " + printable(o.title);
  title += " - " + count_text(k) + " classes, " + count_text(total) + " total";
  if (label_every > 1) title += ", every " + std::to_string(label_every) + "th class named";
  while (title.size() > 4 && text_width(title, kTitleScale) > size.width - 32) title.resize(title.size() - 4);
  cv::putText(img, title, {16, 30}, kFont, kTitleScale, kText, 1, cv::LINE_AA);

  // The scale: x of a count.
  const bool log = o.scale == PlotScale::log;
  double axis_max = 1;
  std::vector<double> ticks;
  if (log) {
    const int decades =
        std::max(1, static_cast<int>(std::ceil(std::log10(std::max(2.0, static_cast<double>(max_count))))));
    axis_max = std::pow(10.0, decades);
    for (int e = 0; e <= decades; ++e) ticks.push_back(std::pow(10.0, e));
  } else {
    const double step = max_count ? nice_step(static_cast<double>(max_count)) : 1;
    axis_max = std::max(step, std::ceil(static_cast<double>(max_count) / step) * step);
    for (double t = 0; t <= axis_max + step / 2; t += step) ticks.push_back(t);
  }
  auto x_of = [&](double v) {
    double f = log ? (v <= 1 ? 0 : std::log10(v) / std::log10(axis_max)) : v / axis_max;
    return x0 + static_cast<int>(std::lround(f * (x1 - x0)));
  };

  // Gridlines and the axis with its ticks and labels.
  for (double t : ticks) {
    const int x = x_of(t);
    cv::line(img, {x, y0}, {x, y1}, kGrid, 1);
    cv::line(img, {x, y1}, {x, y1 + 5}, kAxis, 1);
    const std::string s = tick_text(t);
    cv::putText(img, s, {x - text_width(s, kLabelScale) / 2, y1 + 22}, kFont, kLabelScale, kText, 1,
                cv::LINE_AA);
  }
  cv::line(img, {x0, y1}, {x1, y1}, kAxis, 1);
  cv::line(img, {x0, y0}, {x0, y1}, kAxis, 1);
  const std::string axis_title = log ? "count (log scale)" : "count";
  cv::putText(img, axis_title, {(x0 + x1 - text_width(axis_title, kLabelScale)) / 2, y1 + 46}, kFont,
              kLabelScale, kText, 1, cv::LINE_AA);

  // Bars, names and counts.
  const int bar_h = std::max(1, row_h * 3 / 4);
  const bool show_counts = row_h >= 12;
  for (std::size_t i = 0; i < k; ++i) {
    const auto& c = d.classes[i];
    const int top = y0 + static_cast<int>(i) * row_h + (row_h - bar_h) / 2;
    const int mid = y0 + static_cast<int>(i) * row_h + row_h / 2;
    int end = x0;
    if (c.count > 0) {
      end = std::max(x0 + 2, x_of(static_cast<double>(c.count)));
      cv::rectangle(img, cv::Rect(x0 + 1, top, end - x0, bar_h), kBar, cv::FILLED);
    }
    if (i % static_cast<std::size_t>(label_every) == 0) {
      const std::string name = fit(c.name, kMaxNameW);
      cv::putText(img, name, {x0 - 8 - text_width(name, kLabelScale), mid + 5}, kFont, kLabelScale,
                  c.count ? kText : kEmpty, 1, cv::LINE_AA);
    }
    if (show_counts) {
      const std::string s = c.count ? count_text(c.count) : "0 (empty)";
      const int w = text_width(s, kLabelScale);
      const bool inside = end + 6 + w > size.width - 4;
      cv::putText(img, s, {inside ? end - 6 - w : end + 6, mid + 5}, kFont, kLabelScale,
                  inside ? kCountIn : (c.count ? kText : kEmpty), 1, cv::LINE_AA);
    }
  }
  return img;
}

}  // namespace

constexpr EnumName<PlotScale> kPlotScales[] = {{PlotScale::linear, "linear"}, {PlotScale::log, "log"}};

std::optional<PlotScale> parse_plot_scale(std::string_view s) {
  return parse_enum(kPlotScales, s);
}

PlotSize plot_size(std::size_t classes) {
  const int rows = static_cast<int>(std::max<std::size_t>(classes, 1));
  return {kWidth, std::max(300, kTop + rows * row_height(classes) + kBottom)};
}

std::optional<std::string> write_balance_plot(const Distribution& d, const std::string& file,
                                              const PlotOptions& o) {
  if (d.classes.empty()) return file + ": no classes to plot";
  std::vector<uchar> png;
  try {
    const cv::Mat img = draw(d, o);
    if (!cv::imencode(".png", img, png)) return file + ": PNG encoding failed";
  } catch (const cv::Exception& e) {
    return file + ": cannot draw the plot: " + e.what();
  }
  // A re-creatable picture: no fsync.
  if (auto e =
          write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()),
                            {.durability = Durability::none}))
    return describe_write_error(*e);
  return std::nullopt;
}

std::string split_plot_path(const std::string& plot, std::string_view split) {
  std::string name;
  for (const char c : split) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    name.push_back(keep ? c : '_');
  }
  const std::size_t slash = plot.rfind('/');
  const std::size_t dot = plot.rfind('.');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
  if (!has_ext) return plot + "." + name;
  return plot.substr(0, dot) + "." + name + plot.substr(dot);
}

}  // namespace dskit
