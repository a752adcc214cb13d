// Ordinary images (PNG, JPEG, WebP, BMP, ...) through OpenCV: decoded once, shared read-only by every
// reader. Refused above OpenCV's pixel limit (2^30) with a message that says so.
#pragma once

#include <memory>
#include <string>

#include "dskit/image/source.h"

namespace dskit::image {

inline constexpr int64_t kOpenCvMaxPixels = int64_t{1} << 30;

std::unique_ptr<ImageSource> open_cv_image(const std::string& path, std::string& err);

}  // namespace dskit::image
