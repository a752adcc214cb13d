#include "dskit/image/plan.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace dskit::image {

namespace {

int64_t lcm64(int64_t a, int64_t b) {
  return a / std::gcd(a, b) * b;
}

// Chip rows (or columns) per block: aligned to the source tiles when the chip stride and the tile size
// have a small common multiple (then no tile is shared by two blocks), otherwise about 2048 pixels.
std::size_t per_block(int64_t stride, int64_t tile, bool exact_scale) {
  if (exact_scale && tile > 0) {
    const int64_t l = lcm64(stride, tile);
    if (l <= 4096) return std::size_t(l / stride);
  }
  return std::size_t(std::max<int64_t>(1, 2048 / stride));
}

}  // namespace

double effective_mpp(double file_mpp, const ChipOptions& o) {
  if (o.source_mpp > 0) return o.source_mpp;
  return file_mpp > 0 && file_mpp <= kMaxPlausibleMpp ? file_mpp : 0;
}

std::optional<std::string> plan_image(const std::vector<Level>& levels, double file_mpp, const ChipOptions& o,
                                      ImagePlan& plan) {
  plan = ImagePlan{};
  if (levels.empty()) return "the image has no levels";
  if (o.level >= 0) {
    if (std::size_t(o.level) >= levels.size())
      return fmt::format("level {} does not exist (the image has {} level{})", o.level, levels.size(),
                         levels.size() == 1 ? "" : "s");
    plan.ds = levels[std::size_t(o.level)].downsample;
    plan.level = std::size_t(o.level);
  } else if (o.mpp > 0) {
    const double mpp = effective_mpp(file_mpp, o);
    if (mpp <= 0) {
      if (file_mpp > 0)
        return fmt::format(
            "the file gives no microns per pixel ({:.4g} um/px is a placeholder such as 72 or 96 dpi, not a "
            "scan resolution); give --source-mpp, or use --level instead of --mpp",
            file_mpp);
      return "the file gives no microns per pixel; give --source-mpp, or use --level instead of --mpp";
    }
    plan.ds = o.mpp / mpp;
    if (plan.ds < 1 - 1e-9 && !o.allow_upscale)
      return fmt::format(
          "--mpp {:g} is finer than the image ({:.4g} um/px): chips would be upscaled {:.3g}x; "
          "add --allow-upscale to do so",
          o.mpp, mpp, 1 / plan.ds);
    plan.level = best_level(levels, plan.ds);
  }
  const Level& lv = levels[plan.level];
  plan.f = o.level >= 0 ? 1 : plan.ds / lv.downsample;
  plan.cw = int(o.size.w);
  plan.ch = int(o.size.h);
  const int64_t w0 = levels[0].width, h0 = levels[0].height;
  const int64_t sx = o.stride.w > 0 ? o.stride.w : o.size.w, sy = o.stride.h > 0 ? o.stride.h : o.size.h;

  // What one decode unit (a tile, a strip, a whole image without tiles) costs, before anything is read.
  // A unit of unknown size (0: OpenSlide, which reads regions through its own bounded cache) is not checked.
  const bool known = lv.tile_width > 0 && lv.tile_height > 0;
  const double unit_w = double(lv.tile_width), unit_h = double(lv.tile_height);
  const bool whole = known && unit_w >= double(lv.width) && unit_h >= double(lv.height);
  if (known && unit_w * unit_h > double(o.max_pixels)) {
    const char* what = whole                       ? "the image is decoded in one piece of"
                       : lv.tile_width >= lv.width ? "the image is decoded in strips of"
                                                   : "the image is decoded in tiles of";
    return fmt::format("{} {}x{} pixels, above the decoding budget of {} pixels (--max-pixels){}", what,
                       int64_t(unit_w), int64_t(unit_h), o.max_pixels,
                       whole ? "; convert it to a tiled TIFF (vips tiffsave --tile --pyramid)" : "");
  }

  if (o.use_coords) {
    for (const auto& [x, y] : o.coords)
      plan.coords.push_back(
          {int64_t(std::lround(double(x) / plan.ds)), int64_t(std::lround(double(y) / plan.ds)), -1});
    std::stable_sort(plan.coords.begin(), plan.coords.end(), [](const ChipTask& a, const ChipTask& b) {
      return std::tie(a.gy, a.gx) < std::tie(b.gy, b.gx);
    });
  } else {
    // Grid coordinates: level-0 / ds. With --level the grid is the level's own pixel grid.
    const Rect64 region = grid_region(w0, h0, plan.ds, o.roi);
    const double nx = double(region.w) / double(sx) + 2, ny = double(region.h) / double(sy) + 2;
    if (nx * ny > double(kMaxChipsPerImage))
      return fmt::format("the grid would have about {:.3g} chips, above the limit of {} per image", nx * ny,
                         kMaxChipsPerImage);
    plan.xs = axis_positions(region.w, o.size.w, sx, o.edge);
    plan.ys = axis_positions(region.h, o.size.h, sy, o.edge);
    for (auto& x : plan.xs) x += region.x;
    for (auto& y : plan.ys) y += region.y;
    if (plan.xs.empty() || plan.ys.empty())
      return fmt::format("the image ({}x{} at the chip scale{}) is smaller than a {}x{} chip{}", region.w,
                         region.h, o.roi.w > 0 ? ", inside --roi" : "", o.size.w, o.size.h,
                         o.edge == EdgeMode::pad ? "" : "; use --edge pad to pad it");
    const bool exact = std::abs(plan.f - 1) < 1e-9;
    plan.cols_per = lv.tile_width >= lv.width ? plan.xs.size() : per_block(sx, lv.tile_width, exact);
    plan.rows_per = per_block(sy, lv.tile_height, exact);
    if (lv.tile_width >= lv.width) plan.rows_per = std::max<std::size_t>(1, std::size_t(lv.tile_height / sy));
    // An image decoded in one piece has no tile to follow: rows of about 64 chips per block keep both
    // threads busy, bound the encoded chips held at once and let an interrupt stop within a block.
    if (whole) plan.rows_per = std::max<std::size_t>(1, 64 / plan.xs.size());
  }
  // Decoded-tile cache per thread: one block plus a tile of margin on each side.
  const double bw =
      double(std::min(plan.cols_per, std::max<std::size_t>(1, plan.xs.size())) * sx + o.size.w) * plan.f;
  const double bh = double(plan.rows_per * sy + o.size.h) * plan.f;
  const double cache_w = lv.tile_width >= lv.width ? double(lv.width) : bw + 2.0 * double(lv.tile_width);
  const double cache_h = bh + 2.0 * double(std::max<int64_t>(lv.tile_height, 1));
  // A whole image decoded once (no tiles) has no band: the budget check above covered it.
  if (!whole && cache_w * std::min(cache_h, double(lv.height)) > double(o.max_pixels))
    return fmt::format(
        "a band of {}x{} pixels must be held per thread (the image has no tiles narrower than its width), "
        "above the decoding budget of {} pixels (--max-pixels); convert it to a tiled TIFF",
        int64_t(cache_w), int64_t(std::min(cache_h, double(lv.height))), o.max_pixels);
  plan.cache_bytes = std::size_t(cache_w * cache_h * 3) + (std::size_t{8} << 20);
  return std::nullopt;
}

void judge_chips(const TissueMask& mask, const ChipOptions& o, ImagePlan& plan) {
  const int64_t cw0 = int64_t(std::lround(double(o.size.w) * plan.ds)),
                ch0 = int64_t(std::lround(double(o.size.h) * plan.ds));
  uint64_t kept = 0;
  auto judge = [&](int64_t gx, int64_t gy, double& tissue) {
    if (mask.empty()) return true;
    tissue = mask.fraction(to_level0(gx, plan.ds), to_level0(gy, plan.ds), cw0, ch0);
    return o.use_coords || tissue >= o.min_tissue;
  };
  if (o.use_coords) {
    plan.keep.assign(plan.coords.size(), 0);
    for (std::size_t k = 0; k < plan.coords.size(); ++k) {
      plan.keep[k] = judge(plan.coords[k].gx, plan.coords[k].gy, plan.coords[k].tissue);
      kept += plan.keep[k];
    }
  } else {
    const std::size_t n = plan.xs.size() * plan.ys.size();
    plan.keep.assign(n, 0);
    plan.tissue.clear();
    if (!mask.empty()) plan.tissue.resize(n);
    for (std::size_t r = 0; r < plan.ys.size(); ++r)
      for (std::size_t c = 0; c < plan.xs.size(); ++c) {
        double t = -1;
        const std::size_t k = r * plan.xs.size() + c;
        plan.keep[k] = judge(plan.xs[c], plan.ys[r], t);
        if (!mask.empty()) plan.tissue[k] = t;
        kept += plan.keep[k];
      }
  }
  plan.kept = kept;
  plan.rejected = (o.use_coords ? plan.coords.size() : plan.keep.size()) - kept;
}

std::vector<std::string> output_stems(const std::vector<std::string>& inputs, bool shards,
                                      const std::string& reserved) {
  std::vector<std::string> base(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::string s = std::filesystem::path(inputs[i]).stem().string();
    // WebDataset takes everything before the first '.' of a member's base name as the sample key.
    if (shards) std::replace(s.begin(), s.end(), '.', '_');
    if (s.empty() || s[0] == '.') s.insert(0, 1, '_');
    for (char& c : s)
      if (c == '/') c = '_';
    if (s == reserved) s += "_";
    base[i] = std::move(s);
  }
  const std::set<std::string> wanted(base.begin(), base.end());
  std::set<std::string> used;
  std::vector<std::string> out(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::string s = base[i];
    for (unsigned n = 2; used.count(s) > 0; ++n) {
      s = base[i] + "-" + std::to_string(n);
      if (wanted.count(s) > 0 || s == reserved) s = base[i];  // taken by a later input: the next number
    }
    used.insert(s);
    out[i] = std::move(s);
  }
  return out;
}

}  // namespace dskit::image
