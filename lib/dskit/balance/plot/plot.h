// dsbalance --plot: a horizontal bar chart of the class counts as a PNG, drawn with OpenCV. One bar per
// class in class order, a count axis with ticks (linear or log10) and gridlines, the count at each bar's
// end, long names cut with "...", many classes drawn as thin bars with every n-th name shown.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "dskit/balance/balance.h"

namespace dskit {

enum class PlotScale { linear, log };
std::optional<PlotScale> parse_plot_scale(std::string_view s);

struct PlotOptions {
  PlotScale scale = PlotScale::linear;
  std::string title;  // e.g. the input's name; the class and entry counts are appended
};

struct PlotSize {
  int width = 0, height = 0;
};
// The image size for `classes` classes (rows get thinner as classes grow).
PlotSize plot_size(std::size_t classes);

// Draws the chart and writes it as PNG to `file` through base/fileio (a regular file replaced atomically, a
// FIFO or device written in place, no fsync). Returns an error message on failure.
std::optional<std::string> write_balance_plot(const Distribution& d, const std::string& file,
                                              const PlotOptions& o);

// dsbalance --by COLUMN --plot PLOT: the file of one split's chart, PLOT with ".SPLIT" inserted before its
// extension (counts.png -> counts.val.png; no extension: appended). In the split's name every byte other than
// an ASCII letter, digit, '-' or '_' becomes '_', so the name stays one file name beside PLOT.
std::string split_plot_path(const std::string& plot, std::string_view split);

}  // namespace dskit
