#include "dskit/image/chip_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <opencv2/imgcodecs.hpp>

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
  const std::string final_path = dir + "/" + name;
  const std::string tmp = dir + "/." + name + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return PathError{final_path, errno, "create"};
  std::size_t done = 0;
  int err = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    done += std::size_t(n);
  }
  if (err == 0 && st && ::fstat(fd, st) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), final_path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return PathError{final_path, err, "write"};
  }
  return std::nullopt;
}

}  // namespace dskit::image
