#include "dskit/image/slide_source.h"

#include <openslide/openslide.h>

#include <cstdlib>
#include <vector>

namespace dskit::image {

namespace {

struct SlideCloser {
  void operator()(openslide_t* s) const { openslide_close(s); }
};

// openslide_t is thread-safe (it keeps its own tile cache), so every reader shares one handle.
class SlideReader final : public RegionReader {
 public:
  SlideReader(openslide_t* osr, const std::vector<Level>& levels) : osr_(osr), levels_(levels) {}

  std::optional<std::string> read(std::size_t level, int64_t x, int64_t y, int w, int h,
                                  cv::Mat& out) override {
    const Level& lv = levels_[level];
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > lv.width || y + h > lv.height)
      return "region outside the image";
    argb_.resize(std::size_t(w) * std::size_t(h));
    // OpenSlide takes the top-left corner in level-0 coordinates.
    const auto x0 = static_cast<int64_t>(double(x) * lv.downsample);
    const auto y0 = static_cast<int64_t>(double(y) * lv.downsample);
    openslide_read_region(osr_, argb_.data(), x0, y0, int32_t(level), w, h);
    if (const char* e = openslide_get_error(osr_))
      return "region " + std::to_string(x) + "," + std::to_string(y) + " of level " + std::to_string(level) +
             ": " + e;
    out.create(h, w, CV_8UC3);
    // Premultiplied ARGB, composited on white: c + (255 - a).
    for (int r = 0; r < h; ++r) {
      const uint32_t* s = argb_.data() + std::size_t(r) * std::size_t(w);
      auto* d = out.ptr<unsigned char>(r);
      for (int c = 0; c < w; ++c) {
        const uint32_t v = s[c];
        const unsigned a = v >> 24, bg = 255 - a;
        d[3 * c + 0] = static_cast<unsigned char>((v & 0xff) + bg);
        d[3 * c + 1] = static_cast<unsigned char>(((v >> 8) & 0xff) + bg);
        d[3 * c + 2] = static_cast<unsigned char>(((v >> 16) & 0xff) + bg);
      }
    }
    return std::nullopt;
  }

 private:
  openslide_t* osr_;
  const std::vector<Level>& levels_;
  std::vector<uint32_t> argb_;
};

class SlideSource final : public ImageSource {
 public:
  explicit SlideSource(openslide_t* osr) : osr_(osr) {
    const int32_t n = openslide_get_level_count(osr);
    for (int32_t i = 0; i < n; ++i) {
      Level lv;
      openslide_get_level_dimensions(osr, i, &lv.width, &lv.height);
      lv.downsample = openslide_get_level_downsample(osr, i);
      levels_.push_back(lv);
    }
    if (const char* m = openslide_get_property_value(osr, OPENSLIDE_PROPERTY_NAME_MPP_X))
      mpp_ = std::strtod(m, nullptr);
  }
  std::string_view kind() const override { return "openslide"; }
  std::unique_ptr<RegionReader> reader(std::size_t) const override {
    return std::make_unique<SlideReader>(osr_.get(), levels_);
  }

 private:
  std::unique_ptr<openslide_t, SlideCloser> osr_;
};

}  // namespace

bool slide_detect(const std::string& path) {
  return openslide_detect_vendor(path.c_str()) != nullptr;
}

std::unique_ptr<ImageSource> open_slide(const std::string& path, std::string& err) {
  openslide_t* osr = openslide_open(path.c_str());
  if (!osr) {
    err = "OpenSlide does not recognise this file";
    return nullptr;
  }
  if (const char* e = openslide_get_error(osr)) {
    err = std::string("OpenSlide: ") + e;
    openslide_close(osr);
    return nullptr;
  }
  return std::make_unique<SlideSource>(osr);
}

}  // namespace dskit::image
