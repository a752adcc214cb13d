#include "dskit/image/chip_file.h"

#include <sys/stat.h>

#include <cerrno>

#include <opencv2/imgcodecs.hpp>

#include "dskit/base/fileio.h"

namespace dskit::image {

std::optional<ChipFormat> parse_chip_format(std::string_view s) {
  if (s == "jpg" || s == "jpeg") return ChipFormat::jpg;
  if (s == "png") return ChipFormat::png;
  if (s == "webp") return ChipFormat::webp;
  if (s == "tiff" || s == "tif") return ChipFormat::tiff;
  return std::nullopt;
}

std::string_view chip_extension(ChipFormat f) {
  switch (f) {
    case ChipFormat::jpg:
      return "jpg";
    case ChipFormat::png:
      return "png";
    case ChipFormat::webp:
      return "webp";
    case ChipFormat::tiff:
      return "tiff";
  }
  return "jpg";
}

bool encode_chip(const cv::Mat& bgr, ChipFormat f, int quality, std::vector<unsigned char>& out) {
  const int q = quality < 0 ? 90 : quality;
  std::vector<int> params;
  switch (f) {
    case ChipFormat::jpg:
      params = {cv::IMWRITE_JPEG_QUALITY, q};
      return cv::imencode(".jpg", bgr, out, params);
    case ChipFormat::png:
      params = {cv::IMWRITE_PNG_COMPRESSION, 1};
      return cv::imencode(".png", bgr, out, params);
    case ChipFormat::webp:
      params = {cv::IMWRITE_WEBP_QUALITY, q};
      return cv::imencode(".webp", bgr, out, params);
    case ChipFormat::tiff:
      return cv::imencode(".tiff", bgr, out, params);
  }
  return false;
}

std::optional<PathError> write_file_atomically(const std::string& dir, const std::string& name,
                                               std::span<const unsigned char> data, struct stat* st) {
  // A name dschip picked in its own output directory: whatever is there (a planted symlink, a FIFO) is
  // replaced, never written through; no fsync (a chip is re-created by --resume).
  OutputFile f;
  if (auto e = f.open(dir + "/" + name, {.durability = Durability::none, .write_through = false})) return e;
  if (auto e = f.write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()))) return e;
  if (st && ::fstat(f.fd(), st) != 0) return PathError{f.path(), errno, "stat"};
  return f.commit();
}

}  // namespace dskit::image
