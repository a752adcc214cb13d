#include "dskit/image/mask.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <opencv2/imgproc.hpp>

#include "dskit/base/enum_names.h"

namespace dskit::image {

constexpr EnumName<MaskMethod> kMaskMethods[] = {{MaskMethod::otsu_saturation, "otsu-saturation"},
                                                 {MaskMethod::saturation, "saturation"},
                                                 {MaskMethod::luminance, "luminance"}};

std::optional<MaskMethod> parse_mask_method(std::string_view s) {
  return parse_enum(kMaskMethods, s);
}

cv::Mat compute_mask(const cv::Mat& thumb, const MaskOptions& opts) {
  cv::Mat mask;
  const cv::Mat close_kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7));
  if (opts.method == MaskMethod::luminance) {
    cv::Mat gray;
    cv::cvtColor(thumb, gray, cv::COLOR_BGR2GRAY);
    cv::medianBlur(gray, gray, 5);
    cv::threshold(gray, mask, opts.threshold >= 0 ? opts.threshold : 220, 255, cv::THRESH_BINARY_INV);
  } else {
    cv::Mat hsv, sat;
    cv::cvtColor(thumb, hsv, cv::COLOR_BGR2HSV);
    cv::extractChannel(hsv, sat, 1);
    cv::medianBlur(sat, sat, 7);
    double lo = 0, hi = 0;
    cv::minMaxLoc(sat, &lo, &hi);
    if (opts.method == MaskMethod::saturation || hi - lo < 16) {
      // Fixed threshold; also Otsu's fallback on a flat histogram (all glass or all tissue), where the
      // Otsu split is meaningless.
      cv::threshold(sat, mask, opts.threshold >= 0 ? opts.threshold : 20, 255, cv::THRESH_BINARY);
    } else {
      cv::threshold(sat, mask, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    }
  }
  cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, close_kernel);
  return mask;
}

TissueMask::TissueMask(const cv::Mat& mask, int64_t width0, int64_t height0) {
  cv::threshold(mask, mask_, 0, 1, cv::THRESH_BINARY);
  cv::integral(mask_, integral_, CV_32S);
  sx_ = double(width0) / mask_.cols;
  sy_ = double(height0) / mask_.rows;
}

double TissueMask::fraction(int64_t x, int64_t y, int64_t w, int64_t h) const {
  if (empty() || w <= 0 || h <= 0) return 0;
  const auto mx0 = int64_t(std::floor(double(x) / sx_)), my0 = int64_t(std::floor(double(y) / sy_));
  const auto mx1 = int64_t(std::ceil(double(x + w) / sx_ - 1e-9));
  const auto my1 = int64_t(std::ceil(double(y + h) / sy_ - 1e-9));
  const double area = double(std::max<int64_t>(1, mx1 - mx0)) * double(std::max<int64_t>(1, my1 - my0));
  const int cx0 = int(std::clamp<int64_t>(mx0, 0, mask_.cols)),
            cx1 = int(std::clamp<int64_t>(mx1, 0, mask_.cols));
  const int cy0 = int(std::clamp<int64_t>(my0, 0, mask_.rows)),
            cy1 = int(std::clamp<int64_t>(my1, 0, mask_.rows));
  const double sum = double(integral_.at<int>(cy1, cx1) - integral_.at<int>(cy0, cx1) -
                            integral_.at<int>(cy1, cx0) + integral_.at<int>(cy0, cx0));
  return sum / area;
}

std::optional<std::string> read_thumbnail(const ImageSource& src, int max_side, cv::Mat& thumb,
                                          uint64_t max_pixels) {
  const auto& levels = src.levels();
  std::size_t pick = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const int64_t side = std::max(levels[i].width, levels[i].height);
    if (side >= 1024 && side < std::max(levels[pick].width, levels[pick].height)) pick = i;
  }
  const Level& lv = levels[pick];
  const int64_t side = std::max(lv.width, lv.height);
  const int64_t f = std::max<int64_t>(1, (side + max_side - 1) / max_side);  // integer shrink factor
  const int64_t tw = (lv.width + f - 1) / f, th = (lv.height + f - 1) / f;
  const int64_t tile_w = lv.tile_width > 0 ? lv.tile_width : lv.width;
  const int64_t tile_h = lv.tile_height > 0 ? lv.tile_height : 256;
  const bool known = lv.tile_width > 0 && lv.tile_height > 0;  // else read by regions (OpenSlide)
  if (known && double(tile_w) * double(tile_h) > double(max_pixels))
    return "level " + std::to_string(pick) + " is decoded in pieces of " + std::to_string(tile_w) + "x" +
           std::to_string(tile_h) + " pixels, above the decoding budget of " + std::to_string(max_pixels) +
           " pixels (--max-pixels)";
  thumb.create(int(th), int(tw), CV_8UC3);
  const int64_t band = f * std::max<int64_t>(1, (std::min<int64_t>(tile_h, 1024) + f - 1) / f);
  // Full-width bands while they fit the budget; otherwise columns in chunks (a multiple of f and of the
  // tile width, at least 4096 pixels), so a level without a small enough pyramid level above it costs a
  // band of bounded width, not its whole width.
  int64_t chunk = lv.width;
  const bool narrow_units = !known || tile_w < lv.width;
  if (narrow_units && double(lv.width) * double(std::max(band, tile_h)) > double(max_pixels)) {
    const int64_t piece = known ? tile_w : 1;
    const int64_t unit = piece / std::gcd(piece, f) * f;
    chunk = std::min(lv.width, unit * std::max<int64_t>(1, 4096 / unit));
  }
  auto reader = src.reader(std::size_t(std::min(lv.width, chunk + 2 * tile_w)) * std::size_t(tile_h) * 3 * 2 +
                           (16u << 20));
  cv::Mat region, small;
  for (int64_t y = 0; y < lv.height; y += band) {
    const int h = int(std::min(band, lv.height - y));
    const int sh = int((h + f - 1) / f);
    for (int64_t x = 0; x < lv.width; x += chunk) {
      const int w = int(std::min(chunk, lv.width - x));
      const int sw = int((w + f - 1) / f);
      if (auto e = reader->read(pick, x, y, w, h, region)) return e;
      if (f == 1)
        small = region;
      else
        cv::resize(region, small, cv::Size(sw, sh), 0, 0, cv::INTER_AREA);
      small.copyTo(thumb(cv::Rect(int(x / f), int(y / f), sw, sh)));
    }
  }
  return std::nullopt;
}

}  // namespace dskit::image
