#include "dskit/image/cv_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include <opencv2/imgcodecs.hpp>

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

// Width and height from a PNG header (IHDR), so an image above OpenCV's limit is refused by name.
bool png_size(const std::string& path, int64_t& w, int64_t& h) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::array<unsigned char, 24> b{};
  const bool ok = ::read(fd, b.data(), b.size()) == ssize_t(b.size());
  ::close(fd);
  if (!ok || b[0] != 0x89 || b[1] != 'P' || b[2] != 'N' || b[3] != 'G') return false;
  auto be32 = [&](std::size_t i) {
    return (int64_t(b[i]) << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
  };
  w = be32(16);
  h = be32(20);
  return true;
}

}  // namespace

std::unique_ptr<ImageSource> open_cv_image(const std::string& path, std::string& err) {
  int64_t w = 0, h = 0;
  if (png_size(path, w, h) && w * h > kOpenCvMaxPixels) {
    err = "image is " + std::to_string(w) + "x" + std::to_string(h) +
          " pixels, above OpenCV's limit of 2^30; convert it to a tiled TIFF (vips tiffsave --tile)";
    return nullptr;
  }
  if (!cv::haveImageReader(path)) {
    err = "unsupported image format";
    return nullptr;
  }
  cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
  if (img.empty()) {
    err = "cannot decode the image (corrupt, or above OpenCV's limit of 2^30 pixels)";
    return nullptr;
  }
  return std::make_unique<CvSource>(std::move(img));
}

}  // namespace dskit::image
