// Internal to the manifest module (included only from lib/dskit/manifest/*.cpp): the strict decimal cell
// parsers that reading checks rows with and the typed accessors read cells with.
#pragma once

#include <charconv>
#include <string_view>
#include <system_error>

namespace dskit::manifest_detail {

template <typename T>
bool parse_num(std::string_view s, T& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// True when `s` is a whole decimal number too large (or small) for T.
template <typename T>
bool is_out_of_range(std::string_view s, T& v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size();
}

}  // namespace dskit::manifest_detail
