// JPEG decoding through libjpeg(-turbo) with every decoder warning an error. libjpeg only warns about
// much corrupt data ("Corrupt JPEG data: N extraneous bytes", "premature end of data segment", "bad
// Huffman code") and goes on with grey or garbage blocks; OpenCV's decoder passes such images as good.
// Here the first warning stops decoding and is the image's error. Internal to the image module.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <opencv2/core.hpp>

namespace dskit::image {

// Decodes the JPEG stream `bytes` as cv::imdecode(bytes, flags) would, failing (libjpeg's message) on any
// warning or error, and refusing (over_budget_message) a frame above `max_pixels` before decoding it. `flags`
// is cv::IMREAD_COLOR (BGR) or cv::IMREAD_GRAYSCALE; the pixels are libjpeg's, as OpenCV (same library, same
// settings) gives them. A stream OpenCV post-processes (EXIF orientation, CMYK/YCCK colour, other flags) is
// checked the same way, then left to cv::imdecode: `out` stays empty and `checked_only` is set.
std::optional<std::string> decode_jpeg_strict(std::span<const unsigned char> bytes, int flags,
                                              uint64_t max_pixels, cv::Mat& out, bool& checked_only);

// Whether `bytes` start like a JPEG stream (SOI marker).
inline bool is_jpeg(std::span<const unsigned char> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
}

}  // namespace dskit::image
