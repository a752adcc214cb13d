#include "dskit/balance/plot/plot.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "temp_tree.h"

using namespace dskit;

namespace {

Distribution dist(const std::vector<std::pair<std::string, uint64_t>>& counts) {
  Distribution d;
  for (const auto& [n, c] : counts) d.classes.push_back({n, c});
  return d;
}

std::size_t distinct_colours(const cv::Mat& img) {
  std::set<std::tuple<int, int, int>> seen;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const auto& p = img.at<cv::Vec3b>(y, x);
      seen.emplace(p[0], p[1], p[2]);
    }
  return seen.size();
}

// Pixels of the bar colour (BGR 180,119,31).
std::size_t bar_pixels(const cv::Mat& img) {
  std::size_t n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x)
      if (img.at<cv::Vec3b>(y, x) == cv::Vec3b(180, 119, 31)) ++n;
  return n;
}

}  // namespace

TEST_CASE("plot: a PNG of the expected size with bars, axis and text") {
  test::TempTree t;
  const auto d = dist({{"airplane", 5000},
                       {"automobile", 2997},
                       {"bird", 1796},
                       {"cat", 1077},
                       {"deer", 645},
                       {"dog", 387},
                       {"frog", 232},
                       {"horse", 139},
                       {"ship", 83},
                       {"truck", 50},
                       {"empty", 0}});
  const std::string file = t.path("plot.png");
  REQUIRE_FALSE(write_balance_plot(d, file, {PlotScale::linear, "cifar"}).has_value());
  const cv::Mat img = cv::imread(file, cv::IMREAD_COLOR);
  REQUIRE_FALSE(img.empty());
  const PlotSize size = plot_size(d.classes.size());
  CHECK(img.cols == size.width);
  CHECK(img.rows == size.height);
  CHECK(distinct_colours(img) >= 5);  // background, bars, grid, axis, anti-aliased text
  // The largest bar is about as long as the plot is wide, the smallest about 1/100 of it.
  CHECK(bar_pixels(img) > 5000);
  // No temporary file is left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(t.root())) ++files;
  CHECK(files == 1);
}

TEST_CASE("plot: log scale differs from linear; small classes get longer bars") {
  test::TempTree t;
  const auto d = dist({{"a", 100000}, {"b", 1000}, {"c", 10}, {"d", 1}});
  REQUIRE_FALSE(write_balance_plot(d, t.path("lin.png"), {PlotScale::linear, ""}).has_value());
  REQUIRE_FALSE(write_balance_plot(d, t.path("log.png"), {PlotScale::log, ""}).has_value());
  const cv::Mat lin = cv::imread(t.path("lin.png")), lg = cv::imread(t.path("log.png"));
  REQUIRE(lin.size() == lg.size());
  cv::Mat diff;
  cv::absdiff(lin, lg, diff);
  CHECK(cv::countNonZero(diff.reshape(1)) > 1000);
  CHECK(bar_pixels(lg) > bar_pixels(lin));
}

TEST_CASE("plot: long names and 1000 classes") {
  test::TempTree t;
  std::vector<std::pair<std::string, uint64_t>> counts;
  for (int i = 0; i < 1000; ++i)
    counts.emplace_back(
        "class_with_a_very_long_descriptive_name_number_" + std::to_string(i) + std::string(200, 'x'),
        static_cast<uint64_t>(1 + (i * 37) % 500));
  const auto d = dist(counts);
  REQUIRE_FALSE(write_balance_plot(d, t.path("many.png"), {PlotScale::log, "many"}).has_value());
  const cv::Mat img = cv::imread(t.path("many.png"));
  REQUIRE_FALSE(img.empty());
  CHECK(img.cols == plot_size(1000).width);
  CHECK(img.rows == plot_size(1000).height);
  CHECK(img.rows < 4000);
  CHECK(bar_pixels(img) > 1000 * 2);
}

TEST_CASE("plot: errors are values") {
  test::TempTree t;
  CHECK(write_balance_plot(dist({{"a", 1}}), t.path("no/such/dir/p.png"), {}).has_value());
  CHECK(write_balance_plot(dist({}), t.path("p.png"), {}).has_value());
  CHECK(parse_plot_scale("log") == PlotScale::log);
  CHECK(parse_plot_scale("linear") == PlotScale::linear);
  CHECK_FALSE(parse_plot_scale("sqrt").has_value());
}
