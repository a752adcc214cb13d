#include "dskit/image/cv_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/jpeg_decode.h"

namespace dskit::image {

namespace {

class CvReader final : public RegionReader {
 public:
  explicit CvReader(const cv::Mat& img) : img_(img) {}
  std::optional<std::string> read(std::size_t level, int64_t x, int64_t y, int w, int h,
                                  cv::Mat& out) override {
    if (level != 0 || x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > img_.cols || y + h > img_.rows)
      return "region outside the image";
    img_(cv::Rect(int(x), int(y), w, h)).copyTo(out);
    return std::nullopt;
  }

 private:
  const cv::Mat& img_;
};

class CvSource final : public ImageSource {
 public:
  explicit CvSource(cv::Mat img) : img_(std::move(img)) {
    levels_.push_back(Level{img_.cols, img_.rows, 1.0, img_.cols, img_.rows});
  }
  std::string_view kind() const override { return "opencv"; }
  std::unique_ptr<RegionReader> reader(std::size_t) const override {
    return std::make_unique<CvReader>(img_);
  }

 private:
  cv::Mat img_;
};

uint32_t be16(std::span<const unsigned char> b, std::size_t i) {
  return (uint32_t(b[i]) << 8) | b[i + 1];
}
uint32_t le16(std::span<const unsigned char> b, std::size_t i) {
  return uint32_t(b[i]) | (uint32_t(b[i + 1]) << 8);
}
uint32_t le32(std::span<const unsigned char> b, std::size_t i) {
  return le16(b, i) | (le16(b, i + 2) << 16);
}

// Offset of the JPEG marker `want` in the marker segments before the first scan, or 0.
std::size_t jpeg_find(std::span<const unsigned char> b, bool (*want)(unsigned char)) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return 0;
    const unsigned char m = b[i + 1];
    if (m == 0xFF) {
      ++i;
      continue;
    }
    if (want(m)) return i;
    if (m == 0xDA || m == 0xD9) return 0;
    i += 2 + be16(b, i + 2);
  }
  return 0;
}

bool is_sof(unsigned char m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}
bool is_sos(unsigned char m) {
  return m == 0xDA;
}

bool read_file(const std::string& path, std::vector<unsigned char>& data, std::string& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    err = "not a regular file";
    ::close(fd);
    return false;
  }
  data.resize(std::size_t(st.st_size));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? std::strerror(errno) : "file shrank while read";
      ::close(fd);
      return false;
    }
    done += std::size_t(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

bool header_size(std::span<const unsigned char> b, int64_t& w, int64_t& h) {
  if (b.size() >= 24 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
    w = (int64_t(be16(b, 16)) << 16) | be16(b, 18);
    h = (int64_t(be16(b, 20)) << 16) | be16(b, 22);
    return true;
  }
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
    const std::size_t i = jpeg_find(b, is_sof);
    if (i == 0 || i + 9 > b.size()) return false;
    h = be16(b, i + 5);
    w = be16(b, i + 7);
    return true;
  }
  if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') {
    w = std::abs(int64_t(int32_t(le32(b, 18))));
    h = std::abs(int64_t(int32_t(le32(b, 22))));
    return true;
  }
  if (b.size() >= 30 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(b.data() + 8, "WEBP", 4) == 0) {
    if (std::memcmp(b.data() + 12, "VP8 ", 4) == 0) {
      w = le16(b, 26) & 0x3FFF;
      h = le16(b, 28) & 0x3FFF;
      return true;
    }
    if (std::memcmp(b.data() + 12, "VP8L", 4) == 0) {
      w = 1 + (b[21] | ((b[22] & 0x3F) << 8));
      h = 1 + ((b[22] >> 6) | (b[23] << 2) | ((b[24] & 0x0F) << 10));
      return true;
    }
    if (std::memcmp(b.data() + 12, "VP8X", 4) == 0) {
      w = 1 + (b[24] | (b[25] << 8) | (b[26] << 16));
      h = 1 + (b[27] | (b[28] << 8) | (b[29] << 16));
      return true;
    }
  }
  return false;
}

bool jpeg_complete(std::span<const unsigned char> b) {
  if (b.size() < 2 || b[0] != 0xFF || b[1] != 0xD8) return true;
  const std::size_t sos = jpeg_find(b, is_sos);
  if (sos == 0) return false;
  // In entropy-coded data 0xFF is followed by 0x00 (stuffing) or a restart marker, so FF D9 is the end.
  for (std::size_t i = sos + 2; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
  return false;
}

std::string over_budget_message(int64_t w, int64_t h, uint64_t max_pixels) {
  return "image is " + std::to_string(w) + "x" + std::to_string(h) +
         " pixels, above the decoding budget of " + std::to_string(max_pixels) +
         " pixels (--max-pixels); convert it to a tiled TIFF (vips tiffsave --tile --pyramid)";
}

std::optional<std::string> read_whole_image(const std::string& path, int flags, uint64_t max_pixels,
                                            cv::Mat& out) {
  std::vector<unsigned char> data;
  std::string err;
  if (!read_file(path, data, err)) return err;
  int64_t w = 0, h = 0;
  if (header_size(data, w, h)) {
    if (double(w) * double(h) > double(max_pixels)) return over_budget_message(w, h, max_pixels);
    if (w * h > kOpenCvMaxPixels)
      return "image is " + std::to_string(w) + "x" + std::to_string(h) +
             " pixels, above OpenCV's limit of 2^30; convert it to a tiled TIFF (vips tiffsave --tile)";
  }
  if (!jpeg_complete(data)) return "corrupt data (truncated JPEG: no end-of-image marker)";
  bool checked_only = true;
  if (is_jpeg(data)) {
    if (auto e = decode_jpeg_strict(data, flags, max_pixels, out, checked_only)) return e;
  }
  if (checked_only) {
    try {
      out = cv::imdecode(data, flags);
    } catch (const std::exception& e) {
      std::string what = e.what();
      what.erase(
          std::find_if(what.rbegin(), what.rend(), [](unsigned char c) { return !std::isspace(c); }).base(),
          what.end());
      return "cannot decode the image (" + what + ")";
    }
  }
  if (out.empty()) return "cannot decode the image (corrupt, or above OpenCV's limit of 2^30 pixels)";
  if (uint64_t(out.total()) > max_pixels) return over_budget_message(out.cols, out.rows, max_pixels);
  return std::nullopt;
}

std::unique_ptr<ImageSource> open_cv_image(const std::string& path, std::string& err, uint64_t max_pixels) {
  if (!cv::haveImageReader(path)) {
    err = "unsupported image format";
    return nullptr;
  }
  cv::Mat img;
  if (auto e = read_whole_image(path, cv::IMREAD_COLOR, max_pixels, img)) {
    err = *e;
    return nullptr;
  }
  return std::make_unique<CvSource>(std::move(img));
}

}  // namespace dskit::image
