// Enum names from one table each: a constexpr array of {value, name} rows gives both the parser and the
// printer, so adding a value is one row. The first row of a value is the name printed; further rows of the
// same value are spellings also accepted.
//
//   inline constexpr EnumName<HashAlgo> kHashNames[] = {
//       {HashAlgo::xxh3_64, "xxh3-64"}, {HashAlgo::xxh3_64, "xxh3"}, {HashAlgo::none, "none"}};
//   parse_enum(kHashNames, "xxh3")        -> HashAlgo::xxh3_64
//   enum_name(kHashNames, HashAlgo::none) -> "none"
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace dskit {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// The value whose row spells `s` exactly (case-sensitive), or nullopt.
template <class E, std::size_t N>
constexpr std::optional<E> parse_enum(const EnumName<E> (&table)[N], std::string_view s) {
  for (const auto& row : table)
    if (row.name == s) return row.value;
  return std::nullopt;
}

// The first name of `v`, or `unknown` when no row has it.
template <class E, std::size_t N>
constexpr std::string_view enum_name(const EnumName<E> (&table)[N], E v, std::string_view unknown = "?") {
  for (const auto& row : table)
    if (row.value == v) return row.name;
  return unknown;
}

}  // namespace dskit
