#include "dskit/image/tiff_source.h"

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <unordered_map>
#include <utility>

#include <opencv2/imgproc.hpp>

namespace dskit::image {

namespace {

// libtiff reports through per-handle callbacks (TIFFOpenExt): the last error and whether a warning came,
// so nothing reaches stderr and a tile that decodes with warnings (a truncated JPEG) counts as failed.
struct TiffMessages {
  std::string last_error;
  bool warned = false;
  std::string last_warning;
};

int on_tiff_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  auto* m = static_cast<TiffMessages*>(user);
  m->last_error = module && *module ? std::string(module) + ": " + buf : std::string(buf);
  return 1;
}

int on_tiff_warning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  auto* m = static_cast<TiffMessages*>(user);
  m->warned = true;
  m->last_warning = module && *module ? std::string(module) + ": " + buf : std::string(buf);
  return 1;
}

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

// The most bytes one decoded tile or strip may take, whatever --max-pixels says: a row then fits an int
// (OpenCV's matrices) and libtiff's tmsize_t arithmetic stays far from its limits.
constexpr uint64_t kMaxUnitBytes = uint64_t{1} << 31;

// The bytes one tile or strip of `samples` 8-bit samples may take: at most `max_pixels` pixels and
// kMaxUnitBytes.
uint64_t unit_byte_budget(uint64_t max_pixels, int samples) {
  return std::min(kMaxUnitBytes, max_pixels > kMaxUnitBytes ? kMaxUnitBytes : max_pixels * uint64_t(samples));
}

// The largest single allocation libtiff may make: a budget-sized RGBA unit and room for its compressed
// bytes and tables.
uint64_t libtiff_alloc_cap(uint64_t max_pixels) {
  return 2 * unit_byte_budget(max_pixels, 4) + (uint64_t{64} << 20);
}

// "r": read; "m": no memory mapping (mapped pages would count in RSS and grow with the file).
// `max_alloc`: libtiff refuses any single allocation above it (a strip-offset array or a compressed strip
// whose size only a header states).
TiffPtr open_handle(const std::string& path, TiffMessages* msgs, uint64_t max_alloc) {
  TIFFOpenOptions* o = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetMaxSingleMemAlloc(o, tmsize_t(std::min<uint64_t>(max_alloc, uint64_t{1} << 40)));
  TIFFOpenOptionsSetErrorHandlerExtR(o, on_tiff_error, msgs);
  TIFFOpenOptionsSetWarningHandlerExtR(o, on_tiff_warning, msgs);
  TIFF* t = TIFFOpenExt(path.c_str(), "rm", o);
  TIFFOpenOptionsFree(o);
  return TiffPtr(t);
}

// Where a level lives and how its pixels are laid out.
struct TiffLevel {
  bool subifd = false;
  uint64_t where = 0;  // directory number, or SubIFD offset
  bool tiled = false;
  bool jpeg_ycbcr = false;
  bool jpeg = false;  // COMPRESSION_JPEG (--jpeg-copy)
  int samples = 3;
  uint32_t width = 0, height = 0, tile_w = 0, tile_h = 0;
};

// Reads the layout of the current directory; an error message when dschip cannot serve it.
std::optional<std::string> describe_dir(TIFF* t, TiffLevel& lv) {
  uint16_t bits = 8, spp = 1, planar = PLANARCONFIG_CONTIG, photometric = 0, compression = 1,
           sample_format = SAMPLEFORMAT_UINT;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &lv.width);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &lv.height);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric)) photometric = PHOTOMETRIC_MINISBLACK;
  if (lv.width == 0 || lv.height == 0) return "image has no pixels";
  if (bits != 8 || sample_format != SAMPLEFORMAT_UINT)
    return "unsupported TIFF sample format (" + std::to_string(bits) + "-bit; dschip reads 8-bit)";
  if (planar != PLANARCONFIG_CONTIG) return "unsupported TIFF layout (separate planes)";
  lv.jpeg = compression == COMPRESSION_JPEG;
  lv.jpeg_ycbcr = photometric == PHOTOMETRIC_YCBCR && lv.jpeg;
  if (photometric == PHOTOMETRIC_YCBCR && !lv.jpeg_ycbcr)
    return "unsupported TIFF colour space (YCbCr without JPEG compression)";
  if (photometric != PHOTOMETRIC_MINISBLACK && photometric != PHOTOMETRIC_RGB && !lv.jpeg_ycbcr)
    return "unsupported TIFF colour space (photometric " + std::to_string(photometric) + ")";
  if (lv.jpeg_ycbcr) {
    TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    spp = 3;
  }
  if (spp != 1 && spp != 3 && spp != 4)
    return "unsupported TIFF samples per pixel (" + std::to_string(spp) + ")";
  lv.samples = spp;
  lv.tiled = TIFFIsTiled(t) != 0;
  if (lv.tiled) {
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &lv.tile_w);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &lv.tile_h);
  } else {
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
    lv.tile_w = lv.width;
    lv.tile_h = rps == 0 || rps > lv.height ? lv.height : rps;
  }
  if (lv.tile_w == 0 || lv.tile_h == 0) return "TIFF tile or strip size is zero";
  return std::nullopt;
}

// A reduced-resolution copy of level 0: smaller on both axes and of the same shape.
bool is_reduced(const TiffLevel& base, const TiffLevel& prev, const TiffLevel& lv, uint32_t subfile_type) {
  if (lv.width >= prev.width || lv.height >= prev.height) return false;
  if (subfile_type & FILETYPE_REDUCEDIMAGE) return true;
  const double expect_h = double(base.height) * lv.width / base.width;
  return std::abs(expect_h - lv.height) <= 2.0 + 0.01 * lv.height;
}

class TiffReader final : public RegionReader {
 public:
  TiffReader(std::string path, const std::vector<TiffLevel>& levels, std::size_t cache_bytes,
             uint64_t max_pixels)
      : path_(std::move(path)), levels_(levels), cap_(cache_bytes), max_pixels_(max_pixels) {}

  std::optional<std::string> read(std::size_t level, int64_t x, int64_t y, int w, int h,
                                  cv::Mat& out) override {
    if (auto e = select(level)) return e;
    const TiffLevel& lv = levels_[level];
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > lv.width || y + h > lv.height)
      return "region outside the image";
    out.create(h, w, CV_8UC3);
    const int64_t tx0 = x / lv.tile_w, tx1 = (x + w - 1) / lv.tile_w;
    const int64_t ty0 = y / lv.tile_h, ty1 = (y + h - 1) / lv.tile_h;
    for (int64_t ty = ty0; ty <= ty1; ++ty) {
      for (int64_t tx = tx0; tx <= tx1; ++tx) {
        const cv::Mat* tile = nullptr;
        if (auto e = get_tile(level, tx, ty, tile)) return e;
        const int64_t ox = tx * lv.tile_w, oy = ty * lv.tile_h;
        const int64_t ix0 = std::max(x, ox), iy0 = std::max(y, oy);
        const int64_t ix1 = std::min(x + w, ox + tile->cols), iy1 = std::min(y + h, oy + tile->rows);
        if (ix1 <= ix0 || iy1 <= iy0) continue;
        const cv::Rect src(int(ix0 - ox), int(iy0 - oy), int(ix1 - ix0), int(iy1 - iy0));
        const cv::Rect dst(int(ix0 - x), int(iy0 - y), src.width, src.height);
        (*tile)(src).copyTo(out(dst));
      }
    }
    return std::nullopt;
  }

  uint64_t tiles_decoded() const override { return decoded_; }

  std::optional<std::string> jpeg_tiles(std::size_t level, JpegGrid& grid, JpegTileFetch& fetch) override {
    if (auto e = select(level)) return e;
    const TiffLevel& lv = levels_[level];
    if (!lv.jpeg || !lv.tiled || lv.samples == 4) return std::string("the level is not JPEG-tiled");
    grid.width = lv.width;
    grid.height = lv.height;
    grid.tile_width = lv.tile_w;
    grid.tile_height = lv.tile_h;
    grid.color = lv.jpeg_ycbcr ? JpegColor::ycbcr : lv.samples == 1 ? JpegColor::gray : JpegColor::rgb;
    uint32_t n = 0;
    void* tables = nullptr;
    grid.tables.clear();
    if (TIFFGetField(tif_.get(), TIFFTAG_JPEGTABLES, &n, &tables) && n > 0 && tables)
      grid.tables.assign(static_cast<const unsigned char*>(tables),
                         static_cast<const unsigned char*>(tables) + n);
    fetch = [this, level](int64_t col, int64_t row, std::vector<unsigned char>& out) {
      return raw_tile(level, col, row, out);
    };
    return std::nullopt;
  }

 private:
  std::optional<std::string> select(std::size_t level) {
    if (!tif_) {
      tif_ = open_handle(path_, &msgs_, libtiff_alloc_cap(max_pixels_));
      if (!tif_) return "cannot open: " + msgs_.last_error;
      current_ = SIZE_MAX;
    }
    if (current_ == level) return std::nullopt;
    const TiffLevel& lv = levels_[level];
    const int ok = lv.subifd ? TIFFSetSubDirectory(tif_.get(), lv.where)
                             : TIFFSetDirectory(tif_.get(), static_cast<tdir_t>(lv.where));
    if (!ok) return "cannot read the directory of level " + std::to_string(level) + ": " + msgs_.last_error;
    if (lv.jpeg_ycbcr) TIFFSetField(tif_.get(), TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    current_ = level;
    return std::nullopt;
  }

  // A tile's compressed bytes as stored (--jpeg-copy), at most twice a decoded tile's size plus 64 KiB.
  std::optional<std::string> raw_tile(std::size_t level, int64_t tx, int64_t ty,
                                      std::vector<unsigned char>& out) {
    if (auto e = select(level)) return e;
    const TiffLevel& lv = levels_[level];
    TIFF* t = tif_.get();
    if (tx < 0 || ty < 0 || tx * lv.tile_w >= lv.width || ty * lv.tile_h >= lv.height) return "no such tile";
    const uint32_t number = TIFFComputeTile(t, uint32_t(tx * lv.tile_w), uint32_t(ty * lv.tile_h), 0, 0);
    const uint64_t size = TIFFGetStrileByteCount(t, number);
    if (size == 0 || size > 2 * uint64_t(lv.tile_w) * lv.tile_h * lv.samples + 65536)
      return "tile " + std::to_string(number) + " of level " + std::to_string(level) +
             ": implausible size (" + std::to_string(size) + " bytes)";
    out.resize(std::size_t(size));
    msgs_.last_error.clear();
    if (TIFFReadRawTile(t, number, out.data(), tmsize_t(size)) != tmsize_t(size))
      return "tile " + std::to_string(number) + " of level " + std::to_string(level) + ": " +
             (msgs_.last_error.empty() ? "short read" : msgs_.last_error);
    return std::nullopt;
  }

  std::optional<std::string> get_tile(std::size_t level, int64_t tx, int64_t ty, const cv::Mat*& tile) {
    const uint64_t key = (uint64_t(level) << 56) ^ (uint64_t(ty) << 28) ^ uint64_t(tx);
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      tile = &it->second->second;
      return std::nullopt;
    }
    const TiffLevel& lv = levels_[level];
    TIFF* t = tif_.get();
    const uint32_t number = lv.tiled
                                ? TIFFComputeTile(t, uint32_t(tx * lv.tile_w), uint32_t(ty * lv.tile_h), 0, 0)
                                : TIFFComputeStrip(t, uint32_t(ty * lv.tile_h), 0);
    const std::string what = std::string(lv.tiled ? "tile " : "strip ") + std::to_string(number) +
                             " (column " + std::to_string(tx) + ", row " + std::to_string(ty) +
                             ") of level " + std::to_string(level);
    // The buffer is sized from the level's declared geometry, checked against the decoding budget before
    // anything is allocated; libtiff's own idea of the size must agree (a header cannot make it larger).
    const uint64_t unit_pixels = uint64_t(lv.tile_w) * lv.tile_h;
    if (unit_pixels > max_pixels_ ||
        unit_pixels > unit_byte_budget(max_pixels_, lv.samples) / uint64_t(lv.samples))
      return what + ": " + std::to_string(lv.tile_w) + "x" + std::to_string(lv.tile_h) +
             " pixels, above the decoding budget of " + std::to_string(max_pixels_) +
             " pixels (--max-pixels)";
    const uint64_t unit_bytes = unit_pixels * uint64_t(lv.samples);
    const tmsize_t lib_bytes = lv.tiled ? TIFFTileSize(t) : TIFFStripSize(t);
    if (lib_bytes <= 0 || uint64_t(lib_bytes) != unit_bytes)
      return what + ": inconsistent TIFF header (a " + std::to_string(lv.tile_w) + "x" +
             std::to_string(lv.tile_h) + " unit of " + std::to_string(lv.samples) +
             " samples, but libtiff sizes it " + std::to_string(int64_t(lib_bytes)) + " bytes)";
    const int rows =
        lv.tiled ? int(lv.tile_h) : int(std::min<int64_t>(lv.tile_h, int64_t(lv.height) - ty * lv.tile_h));
    const tmsize_t want = tmsize_t(rows) * lv.tile_w * lv.samples;
    raw_.resize(std::size_t(unit_bytes));
    msgs_.warned = false;
    msgs_.last_error.clear();
    const tmsize_t got = lv.tiled ? TIFFReadEncodedTile(t, number, raw_.data(), tmsize_t(unit_bytes))
                                  : TIFFReadEncodedStrip(t, number, raw_.data(), tmsize_t(unit_bytes));
    if (got < 0) return what + ": " + (msgs_.last_error.empty() ? "read error" : msgs_.last_error);
    if (got < want)
      return what + ": short tile (" + std::to_string(got) + " of " + std::to_string(want) + " bytes)";
    if (msgs_.warned) return what + ": corrupt data (" + msgs_.last_warning + ")";
    ++decoded_;
    cv::Mat src(rows, int(lv.tile_w), CV_8UC(lv.samples), raw_.data());
    cv::Mat bgr;
    if (lv.samples == 1)
      cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);
    else if (lv.samples == 3)
      cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
    else
      cv::cvtColor(src, bgr, cv::COLOR_RGBA2BGR);
    const std::size_t bytes = bgr.total() * bgr.elemSize();
    while (!lru_.empty() && used_ + bytes > cap_) {
      used_ -= lru_.back().second.total() * lru_.back().second.elemSize();
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    lru_.emplace_front(key, std::move(bgr));
    index_[key] = lru_.begin();
    used_ += bytes;
    tile = &lru_.front().second;
    return std::nullopt;
  }

  std::string path_;
  const std::vector<TiffLevel>& levels_;
  std::size_t cap_;
  uint64_t max_pixels_;
  TiffMessages msgs_;
  TiffPtr tif_;
  std::size_t current_ = SIZE_MAX;
  std::vector<unsigned char> raw_;
  std::list<std::pair<uint64_t, cv::Mat>> lru_;
  std::unordered_map<uint64_t, std::list<std::pair<uint64_t, cv::Mat>>::iterator> index_;
  std::size_t used_ = 0;
  uint64_t decoded_ = 0;
};

class TiffSource final : public ImageSource {
 public:
  TiffSource(std::string path, std::vector<TiffLevel> tl, uint64_t max_pixels)
      : path_(std::move(path)), tl_(std::move(tl)), max_pixels_(max_pixels) {
    for (const auto& l : tl_) {
      Level v;
      v.width = l.width;
      v.height = l.height;
      v.downsample = (double(tl_[0].width) / l.width + double(tl_[0].height) / l.height) / 2;
      v.tile_width = l.tile_w;
      v.tile_height = l.tile_h;
      levels_.push_back(v);
    }
  }
  std::string_view kind() const override { return "tiff"; }
  std::unique_ptr<RegionReader> reader(std::size_t cache_bytes) const override {
    return std::make_unique<TiffReader>(path_, tl_, cache_bytes, max_pixels_);
  }
  void set_mpp(double m) { mpp_ = m; }

 private:
  std::string path_;
  std::vector<TiffLevel> tl_;
  uint64_t max_pixels_;
};

}  // namespace

double aperio_mpp(std::string_view d) {
  if (d.substr(0, 6) != "Aperio") return 0;
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
      v.remove_suffix(1);
    return v;
  };
  // The first '|' ends the header lines; then KEY = VALUE fields separated by '|'.
  for (std::size_t bar = d.find('|'); bar != std::string_view::npos;) {
    const std::size_t next = d.find('|', bar + 1);
    const std::string_view field = d.substr(bar + 1, next == std::string_view::npos ? next : next - bar - 1);
    bar = next;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos || trim(field.substr(0, eq)) != "MPP") continue;
    const std::string value(trim(field.substr(eq + 1)));
    char* end = nullptr;
    const double mpp = std::strtod(value.c_str(), &end);
    return end && *end == '\0' && !value.empty() && mpp > 0 && std::isfinite(mpp) ? mpp : 0;
  }
  return 0;
}

std::unique_ptr<ImageSource> open_tiff(const std::string& path, std::string& err, uint64_t max_pixels) {
  TiffMessages msgs;
  TiffPtr t = open_handle(path, &msgs, libtiff_alloc_cap(max_pixels));
  if (!t) {
    err = msgs.last_error.empty() ? "not a TIFF file" : msgs.last_error;
    return nullptr;
  }
  std::vector<TiffLevel> levels;
  TiffLevel base;
  if (auto e = describe_dir(t.get(), base)) {
    err = *e;
    return nullptr;
  }
  levels.push_back(base);
  double mpp = 0;
  {
    uint16_t unit = RESUNIT_INCH;
    float xres = 0;
    TIFFGetFieldDefaulted(t.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
    if (TIFFGetField(t.get(), TIFFTAG_XRESOLUTION, &xres) && xres > 0) {
      if (unit == RESUNIT_CENTIMETER) mpp = 10000.0 / xres;
      if (unit == RESUNIT_INCH) mpp = 25400.0 / xres;
    }
    const char* desc = nullptr;
    if (TIFFGetField(t.get(), TIFFTAG_IMAGEDESCRIPTION, &desc) && desc)
      if (const double a = aperio_mpp(desc); a > 0) mpp = a;
  }
  uint16_t nsub = 0;
  uint64_t* offsets = nullptr;
  std::vector<uint64_t> subifds;
  if (TIFFGetField(t.get(), TIFFTAG_SUBIFD, &nsub, &offsets) && nsub > 0)
    subifds.assign(offsets, offsets + nsub);
  if (!subifds.empty()) {
    for (uint64_t off : subifds) {
      if (!TIFFSetSubDirectory(t.get(), off)) break;
      TiffLevel lv;
      uint32_t sft = 0;
      TIFFGetField(t.get(), TIFFTAG_SUBFILETYPE, &sft);
      if (describe_dir(t.get(), lv) || !is_reduced(base, levels.back(), lv, sft)) continue;
      lv.subifd = true;
      lv.where = off;
      levels.push_back(lv);
    }
  } else {
    for (tdir_t d = 1; TIFFReadDirectory(t.get()); ++d) {
      TiffLevel lv;
      uint32_t sft = 0;
      TIFFGetField(t.get(), TIFFTAG_SUBFILETYPE, &sft);
      if (describe_dir(t.get(), lv) || !is_reduced(base, levels.back(), lv, sft)) continue;
      lv.where = d;
      levels.push_back(lv);
    }
  }
  auto src = std::make_unique<TiffSource>(path, std::move(levels), max_pixels);
  src->set_mpp(mpp);
  return src;
}

}  // namespace dskit::image
