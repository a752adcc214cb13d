// Region-reading image sources for dschip: a pyramid of levels, each read by rectangles, never whole.
//
//   ImageSource (opened once per image: levels, microns per pixel)
//     -> RegionReader (one per worker thread: its own file handle and a small bounded tile cache)
//          -> read(level, x, y, w, h) -> 8-bit, 3-channel cv::Mat in OpenCV's BGR order
//
// Regions are returned in BGR so chips go to cv::imencode without a per-chip channel swap.
// Implementations: TIFF through libtiff (tiff_source), whole-slide formats through OpenSlide
// (slide_source), ordinary images through OpenCV (cv_source).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "dskit/image/jpeg_copy.h"

namespace dskit::image {

struct Level {
  int64_t width = 0;
  int64_t height = 0;
  double downsample = 1.0;  // level-0 pixels per pixel of this level
  int64_t tile_width = 0;   // the unit the format decodes (a tile, a strip: full width); 0 when unknown
  int64_t tile_height = 0;
};

// Reads rectangles of one image; one per thread. Errors are returned as text naming the tile or strip
// (the caller adds the file name).
class RegionReader {
 public:
  virtual ~RegionReader() = default;
  // Fills `out` (resized as needed) with the w x h region at (x, y) of `level`; the region must lie inside
  // the level. Returns an error message, or nullopt.
  virtual std::optional<std::string> read(std::size_t level, int64_t x, int64_t y, int w, int h,
                                          cv::Mat& out) = 0;
  // Source tiles or strips decoded so far (for --stats and the tests).
  virtual uint64_t tiles_decoded() const { return 0; }
  // --jpeg-copy: the JPEG tile grid of `level` and a fetcher of its tiles' compressed streams (valid while
  // this reader lives), or why the level has none.
  virtual std::optional<std::string> jpeg_tiles(std::size_t level, JpegGrid& grid, JpegTileFetch& fetch) {
    (void)level, (void)grid, (void)fetch;
    return std::string("the reader gives no JPEG tiles (libtiff's does)");
  }
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  const std::vector<Level>& levels() const { return levels_; }
  double mpp() const { return mpp_; }         // microns per level-0 pixel; 0 when the file does not say
  virtual std::string_view kind() const = 0;  // "tiff", "openslide", "opencv"
  // A reader for one thread; `cache_bytes` bounds its decoded-tile cache.
  virtual std::unique_ptr<RegionReader> reader(std::size_t cache_bytes) const = 0;

 protected:
  std::vector<Level> levels_;
  double mpp_ = 0;
};

enum class ReaderKind { automatic, tiff, openslide, opencv };
std::optional<ReaderKind> parse_reader_kind(std::string_view s);

// Opens `path` with the given reader, or picks one by extension and probing (vendor whole-slide formats
// -> OpenSlide, TIFF -> libtiff, falling back to OpenSlide for TIFF layouts libtiff cannot serve here,
// anything else -> OpenCV). On failure returns null and sets `err` (without the file name).
// `max_pixels` is the decoding budget of an image that is decoded whole (ChipOptions::max_pixels).
std::unique_ptr<ImageSource> open_image(const std::string& path, ReaderKind kind, std::string& err,
                                        uint64_t max_pixels = uint64_t{1} << 28);

// The pyramid level to read for a target downsample: the most reduced level that is still at least as
// detailed (downsample <= target, with a small tolerance); level 0 when none is.
std::size_t best_level(const std::vector<Level>& levels, double target_downsample);

}  // namespace dskit::image
