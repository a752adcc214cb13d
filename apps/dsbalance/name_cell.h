// dsbalance's text tables: a class name fitted to a column (cut with an ellipsis, padded with spaces).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace dsbalance {

// The width of `s` in terminal columns, counted as one per UTF-8 character (an invalid byte counts one).
std::size_t display_width(std::string_view s);

// `s` left-aligned in a column of `width` (>= 2): padded with spaces, or, when wider, cut to width - 1
// columns followed by "…" (U+2026).
std::string name_cell(std::string_view s, std::size_t width);

// The name column's width for a table of these names: the widest name, at least 5 ("class"), at most
// `max_width`.
template <class Names, class NameOf>
std::size_t name_column_width(const Names& names, NameOf name_of, std::size_t max_width) {
  std::size_t w = 5;
  for (const auto& n : names) w = std::max(w, display_width(name_of(n)));
  return std::min(w, std::max<std::size_t>(max_width, 5));
}

}  // namespace dsbalance
