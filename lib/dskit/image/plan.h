// The pure planning step of dschip, apart from the oneTBB pipeline and any file I/O: for one image, which
// pyramid level to read and at what scale (plan_image), the chip grid and its blocks, the per-thread tile
// cache, and which chips the tissue mask keeps (judge_chips); for a batch, the output stem of every input
// (output_stems). Everything here is a function of the levels, the options and the mask, so it is unit-tested
// without reading an image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dskit/image/chip.h"
#include "dskit/image/grid.h"
#include "dskit/image/mask.h"
#include "dskit/image/source.h"

namespace dskit::image {

// One chip to make: its grid position (pixels at the output scale) and tissue fraction (-1: no mask).
struct ChipTask {
  int64_t gx = 0, gy = 0;
  double tissue = -1;
};

// Blocks of chips for one image: R chip rows x C chip columns (or runs of 64 --coords).
struct ImagePlan {
  std::size_t level = 0;            // pyramid level read
  double ds = 1;                    // output pixel in level-0 pixels
  double f = 1;                     // output pixel in pixels of the level read
  int cw = 0, ch = 0;               // chip size in output pixels
  std::vector<int64_t> xs, ys;      // grid positions
  std::vector<ChipTask> coords;     // --coords: chips in source order
  std::vector<double> tissue;       // per (row, col) or per coord; empty without a mask
  std::vector<unsigned char> keep;  // per (row, col) or per coord (judge_chips)
  std::size_t rows_per = 1, cols_per = 1;
  std::size_t cache_bytes = 0;  // decoded-tile cache per thread
  uint64_t kept = 0, rejected = 0;
  std::size_t blocks() const {
    if (!coords.empty()) return (coords.size() + 63) / 64;
    return ((ys.size() + rows_per - 1) / rows_per) * ((xs.size() + cols_per - 1) / cols_per);
  }
};

// Above this many microns per pixel a recorded resolution is taken as a placeholder (72 and 96 dpi, the
// defaults of many writers, are 353 and 265 um/px), not as the scan's.
inline constexpr double kMaxPlausibleMpp = 10.0;

// The microns per level-0 pixel to scale by: --source-mpp when given, else the file's value when it is
// plausible (0 < mpp <= kMaxPlausibleMpp), else 0 (unknown).
double effective_mpp(double file_mpp, const ChipOptions& o);

// The level, scale, grid, blocks and cache size for an image with these levels (level 0 first) and this
// file resolution. Error message (without the file name), or nullopt. Refuses an unknown resolution with
// --mpp, an upscale without --allow-upscale, a decoded tile or strip above o.max_pixels, and a grid of
// more than kMaxChipsPerImage chips.
std::optional<std::string> plan_image(const std::vector<Level>& levels, double file_mpp, const ChipOptions& o,
                                      ImagePlan& plan);

// Fills plan.keep, plan.tissue, kept and rejected from the mask (an empty mask keeps every chip); with
// --coords every listed chip is kept and only its tissue fraction recorded.
void judge_chips(const TissueMask& mask, const ChipOptions& o, ImagePlan& plan);

inline constexpr uint64_t kMaxChipsPerImage = uint64_t{1} << 26;

// The output stem of every input, in input order: the file name without its extension, made safe and
// unique. A stem never starts with '.' (so "...png", "..png" and ".hidden.png" cannot name OUT's parent,
// OUT itself or a temporary file), is never empty, never `reserved` (the manifest's file name in OUT), and
// in shard mode holds no '.' (WebDataset's sample key ends at the first '.'). A later input whose stem is
// taken gets "-2", "-3", ... (the first free one), so the result depends only on the input list.
std::vector<std::string> output_stems(const std::vector<std::string>& inputs, bool shards,
                                      const std::string& reserved);

}  // namespace dskit::image
