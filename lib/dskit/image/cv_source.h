// Ordinary images (PNG, JPEG, WebP, BMP, ...) through OpenCV: decoded once, shared read-only by every
// reader. The size is read from the file's header first and an image above the decoding budget is refused
// before anything is decoded; a JPEG that ends before its end-of-image marker (truncated: libjpeg would only
// warn and fill the rest with grey) or that libjpeg warns about (corrupt data) is an error: JPEGs are
// decoded through libjpeg with warnings as errors (jpeg_decode.h), the rest through cv::imdecode.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <opencv2/core.hpp>

#include "dskit/image/source.h"

namespace dskit::image {

inline constexpr int64_t kOpenCvMaxPixels = int64_t{1} << 30;

std::unique_ptr<ImageSource> open_cv_image(const std::string& path, std::string& err,
                                           uint64_t max_pixels = uint64_t{1} << 28);

// Width and height from the header of a PNG, JPEG, BMP or WebP file; false for other formats or a header
// too short to say.
bool header_size(std::span<const unsigned char> bytes, int64_t& w, int64_t& h);

// False when `bytes` are a JPEG stream without an end-of-image marker after its first scan (truncated).
// True for anything that is not a JPEG.
bool jpeg_complete(std::span<const unsigned char> bytes);

// The error for an image of w x h pixels above the decoding budget (--max-pixels), with the way out.
std::string over_budget_message(int64_t w, int64_t h, uint64_t max_pixels);

// Reads and decodes a whole image file with cv::imdecode `flags`, refusing it (error message, no file
// name) when its header gives more than `max_pixels` pixels, when it is a truncated JPEG, when decoding
// fails (also for lack of memory), or for a JPEG when libjpeg warns about corrupt data (decode_jpeg_strict:
// OpenCV ignores those warnings).
std::optional<std::string> read_whole_image(const std::string& path, int flags, uint64_t max_pixels,
                                            cv::Mat& out);

}  // namespace dskit::image
