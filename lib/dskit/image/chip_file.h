// Chip encoding (cv::imencode) and atomic chip files through base/fileio: an unnamed O_TMPFILE file linked to
// its name once complete (falling back to a random temporary name renamed into place), so a chip either
// exists whole or not at all.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "dskit/base/error.h"

namespace dskit::image {

enum class ChipFormat { jpg, png, webp, tiff };
std::optional<ChipFormat> parse_chip_format(std::string_view s);
std::string_view chip_extension(ChipFormat f);  // "jpg", "png", "webp", "tiff"

// Encodes a BGR chip. `quality`: JPEG and WebP quality 1-100 (-1: 90); ignored for PNG and TIFF (lossless).
bool encode_chip(const cv::Mat& bgr, ChipFormat f, int quality, std::vector<unsigned char>& out);

// Writes `data` to NAME in the directory open as `dirfd` atomically; `st` receives the file's status (for
// mtime and inode). An error names the final path, DIR/NAME.
std::optional<PathError> write_file_atomically(int dirfd, const std::string& dir, const std::string& name,
                                               std::span<const unsigned char> data, struct stat* st);

}  // namespace dskit::image
