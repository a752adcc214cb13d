#include "dskit/image/grid.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "dskit/base/enum_names.h"

namespace dskit::image {

constexpr EnumName<EdgeMode> kEdgeModes[] = {
    {EdgeMode::drop, "drop"}, {EdgeMode::pad, "pad"}, {EdgeMode::shift, "shift"}};

std::optional<EdgeMode> parse_edge_mode(std::string_view s) {
  return parse_enum(kEdgeModes, s);
}

namespace {

bool parse_i64(std::string_view s, int64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> parse_size2(std::string_view s, Size2& out) {
  const auto x = s.find('x');
  int64_t w = 0, h = 0;
  const bool ok = x == std::string_view::npos ? parse_i64(s, w) && (h = w, true)
                                              : parse_i64(s.substr(0, x), w) && parse_i64(s.substr(x + 1), h);
  if (!ok || w <= 0 || h <= 0 || w > 65535 || h > 65535)
    return "invalid size '" + std::string(s) + "': use N or WxH (1 to 65535)";
  out = {w, h};
  return std::nullopt;
}

std::optional<std::string> parse_rect(std::string_view s, Rect64& out) {
  int64_t v[4];
  std::string_view rest = s;
  for (int i = 0; i < 4; ++i) {
    const auto c = rest.find(',');
    if ((i < 3) == (c == std::string_view::npos) || !parse_i64(rest.substr(0, c), v[i]))
      return "invalid region '" + std::string(s) + "': use x,y,w,h";
    rest = c == std::string_view::npos ? std::string_view{} : rest.substr(c + 1);
  }
  if (v[0] < 0 || v[1] < 0 || v[2] <= 0 || v[3] <= 0)
    return "invalid region '" + std::string(s) + "': x, y >= 0 and w, h > 0";
  out = {v[0], v[1], v[2], v[3]};
  return std::nullopt;
}

std::vector<int64_t> axis_positions(int64_t length, int64_t size, int64_t stride, EdgeMode edge) {
  std::vector<int64_t> p;
  if (length <= 0 || size <= 0 || stride <= 0) return p;
  for (int64_t k = 0; k + size <= length; k += stride) p.push_back(k);
  const int64_t reached = p.empty() ? 0 : p.back() + size;
  if (reached < length) {
    const int64_t next = p.empty() ? 0 : p.back() + stride;
    if (edge == EdgeMode::pad && next < length) p.push_back(next);
    if (edge == EdgeMode::shift && length >= size) p.push_back(length - size);
  }
  return p;
}

Rect64 grid_region(int64_t width0, int64_t height0, double ds, const Rect64& roi) {
  Rect64 r0 = roi.w > 0 ? roi : Rect64{0, 0, width0, height0};
  const int64_t x1 = std::min(r0.x + r0.w, width0), y1 = std::min(r0.y + r0.h, height0);
  const auto g = [ds](int64_t v) { return static_cast<int64_t>(std::floor(double(v) / ds + 1e-9)); };
  Rect64 r{g(r0.x), g(r0.y), 0, 0};
  r.w = std::max<int64_t>(0, g(x1) - r.x);
  r.h = std::max<int64_t>(0, g(y1) - r.y);
  return r;
}

std::optional<std::string> parse_coords(std::string_view text,
                                        std::vector<std::pair<int64_t, int64_t>>& out) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto sep = line.find_first_of(", \t");
    int64_t x = 0, y = 0;
    std::string_view second = sep == std::string_view::npos ? std::string_view{} : trim(line.substr(sep));
    if (!second.empty() && second.front() == ',') second = trim(second.substr(1));
    if (sep == std::string_view::npos || !parse_i64(trim(line.substr(0, sep)), x) || !parse_i64(second, y) ||
        x < 0 || y < 0)
      return "line " + std::to_string(line_no) + ": expected 'x y' or 'x,y' (level-0 pixels)";
    out.emplace_back(x, y);
  }
  return std::nullopt;
}

}  // namespace dskit::image
