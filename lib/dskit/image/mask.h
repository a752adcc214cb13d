// The tissue (foreground) mask: computed on a low-resolution level or thumbnail, turned into an integral
// image so a chip's tissue fraction costs four lookups whatever its size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "dskit/image/source.h"

namespace dskit::image {

enum class MaskMethod {
  otsu_saturation,  // HSV saturation, median blur, Otsu threshold, morphological close (the default)
  saturation,       // saturation above a fixed threshold (default 20), then blur and close
  luminance,        // grey level below a fixed threshold (default 220): anything darker than glass
};
std::optional<MaskMethod> parse_mask_method(std::string_view s);

struct MaskOptions {
  MaskMethod method = MaskMethod::otsu_saturation;
  int threshold = -1;  // fixed threshold for saturation / luminance; -1: the method's default
};

// 0/255 mask of the BGR thumbnail (255: tissue).
cv::Mat compute_mask(const cv::Mat& thumb_bgr, const MaskOptions& opts);

// A mask covering a whole image, with its integral image.
class TissueMask {
 public:
  TissueMask() = default;
  // `mask` (non-zero: tissue) covers the width0 x height0 level-0 image, stretched if its shape differs.
  TissueMask(const cv::Mat& mask, int64_t width0, int64_t height0);
  bool empty() const { return integral_.empty(); }
  // Fraction of the level-0 rectangle covered by tissue, in O(1); area outside the image counts as
  // background. The rectangle is widened to whole mask pixels.
  double fraction(int64_t x, int64_t y, int64_t w, int64_t h) const;
  const cv::Mat& mask() const { return mask_; }
  double scale_x() const { return sx_; }  // level-0 pixels per mask pixel
  double scale_y() const { return sy_; }

 private:
  cv::Mat mask_;      // CV_8U 0/1
  cv::Mat integral_;  // CV_32S, (rows+1) x (cols+1)
  double sx_ = 1, sy_ = 1;
};

// A thumbnail of at most about `max_side` pixels on its long side, from the most reduced level that is
// at least 1024 pixels on its long side (or the largest level when none is). A level larger than
// `max_side` is read in bands of bounded width and shrunk piece by piece, so memory stays bounded; a level
// whose tiles or strips hold more than `max_pixels` pixels is refused.
std::optional<std::string> read_thumbnail(const ImageSource& src, int max_side, cv::Mat& thumb,
                                          uint64_t max_pixels = uint64_t{1} << 28);

}  // namespace dskit::image
