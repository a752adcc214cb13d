// Chip grid geometry, as pure functions: chip sizes, strides, edge policies, regions of interest, and the
// mapping between the grid (pixels at the output scale) and level-0 coordinates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dskit::image {

enum class EdgeMode {
  drop,   // only chips that fit entirely inside the region
  pad,    // also the partial chips at the right and bottom, padded with a colour outside the image
  shift,  // the last column and row moved inwards to end at the region's edge
};
std::optional<EdgeMode> parse_edge_mode(std::string_view s);

struct Size2 {
  int64_t w = 0, h = 0;
};
struct Rect64 {
  int64_t x = 0, y = 0, w = 0, h = 0;
};

// "224" -> 224x224, "512x256" -> 512 wide, 256 high. Error message, or nullopt.
std::optional<std::string> parse_size2(std::string_view s, Size2& out);
// "x,y,w,h" with w, h > 0.
std::optional<std::string> parse_rect(std::string_view s, Rect64& out);

// Start offsets (relative to the region) of chips of `size` every `stride` along an axis of `length`.
//   drop:  k*stride while k*stride + size <= length
//   pad:   as drop, then one more partial chip if the last one does not reach the end and the next
//          start is still inside (one chip when length < size)
//   shift: as drop, then length - size if the last chip does not reach the end (none when length < size)
std::vector<int64_t> axis_positions(int64_t length, int64_t size, int64_t stride, EdgeMode edge);

// The region of interest at the grid's scale (level-0 / downsample): the whole image when `roi` is
// empty (w == 0), otherwise the ROI clipped to the image. Coordinates are floored.
Rect64 grid_region(int64_t width0, int64_t height0, double downsample, const Rect64& roi);

// A grid coordinate (pixels at the output scale) as a level-0 coordinate.
inline int64_t to_level0(int64_t g, double downsample) {
  return static_cast<int64_t>(static_cast<double>(g) * downsample + 0.5);
}

// Reads "x y" or "x,y" pairs (level-0 coordinates, one per line, '#' comments) from `text`. Error message
// naming the line, or nullopt.
std::optional<std::string> parse_coords(std::string_view text, std::vector<std::pair<int64_t, int64_t>>& out);

}  // namespace dskit::image
