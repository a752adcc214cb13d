// Byte sizes and durations: one parser each, for every tool (grammar in units.h).
#include "dskit/base/units.h"

#include <cstddef>

namespace dskit {

namespace {

__extension__ using u128 = unsigned __int128;

// A decimal number "DIGITS[.DIGITS]" at the start of `s`: the whole part (saturated at 2^64, which every
// caller refuses), and the fraction as numerator / 10^digits, keeping at most 18 digits (more only lower
// the rounded-down result by less than one unit of the 18th digit, which is below a byte or a nanosecond).
struct Decimal {
  u128 whole = 0;
  uint64_t frac = 0, frac_den = 1;
  std::size_t length = 0;  // characters consumed; 0: no number
};

Decimal read_decimal(std::string_view s) {
  Decimal d;
  std::size_t i = 0;
  constexpr u128 kCap = u128{1} << 64;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    d.whole = d.whole * 10 + static_cast<unsigned>(s[i] - '0');
    if (d.whole > kCap) d.whole = kCap;
  }
  if (i == 0) return d;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1, kept = 0;
    for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j)
      if (kept < 18) {
        d.frac = d.frac * 10 + static_cast<unsigned>(s[j] - '0');
        d.frac_den *= 10;
        ++kept;
      }
    if (j == i + 1) return d;  // "4." : the dot is not part of the number; the unit check refuses it
    i = j;
  }
  d.length = i;
  return d;
}

// whole * mult + frac * mult / frac_den, rounded down; nullopt when it is `limit` or more.
std::optional<uint64_t> scale(const Decimal& d, uint64_t mult, u128 limit) {
  if (d.whole >= limit) return std::nullopt;
  const u128 whole = d.whole * mult;  // whole < 2^64, mult < 2^64: fits
  const u128 frac = static_cast<u128>(d.frac) * mult / d.frac_den;
  const u128 v = whole + frac;
  if (v >= limit) return std::nullopt;
  return static_cast<uint64_t>(v);
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The text in quotes for a message, shortened past 32 characters (a 309-digit number stays readable).
std::string quoted(std::string_view text) {
  if (text.size() > 32)
    return "'" + std::string(text.substr(0, 24)) + "...' (" + std::to_string(text.size()) + " characters)";
  return "'" + std::string(text) + "'";
}

}  // namespace

std::optional<std::string> parse_bytes(std::string_view text, uint64_t& out) {
  const std::string bad = quoted(text) + " is not a size";
  if (text.empty()) return "the size is empty (use e.g. 4096, 4k, 1.5M, 2GiB)";
  if (text[0] == '-') return bad + ": a size cannot be negative";
  const Decimal d = read_decimal(text);
  if (d.length == 0) return bad + " (use e.g. 4096, 4k, 1.5M, 2GiB)";
  std::string unit;
  for (char c : text.substr(d.length)) unit += lower(c);
  unsigned shift = 0;
  std::string_view u = unit;
  if (!u.empty() && u != "b") {
    const std::string_view prefixes = "kmgtp";
    const auto at = prefixes.find(u[0]);
    if (at == std::string_view::npos) {
      return bad + ": unknown unit '" + std::string(text.substr(d.length)) +
             "' (use k, M, G, T or P, e.g. 4k, 1.5GiB)";
    }
    shift = 10 * static_cast<unsigned>(at + 1);
    u.remove_prefix(1);
    if (u.starts_with('i')) u.remove_prefix(1);
    if (u == "b") u = {};
    if (!u.empty()) {
      return bad + ": unknown unit '" + std::string(text.substr(d.length)) +
             "' (use k, M, G, T or P, e.g. 4k, 1.5GiB)";
    }
  }
  const auto v = scale(d, uint64_t{1} << shift, u128{1} << 64);
  if (!v) return "size " + quoted(text) + " is too large (the limit is 2^64-1 bytes, 16 EiB)";
  out = *v;
  return std::nullopt;
}

std::optional<std::string> parse_duration(std::string_view text, int64_t& out_ns) {
  const std::string bad = quoted(text) + " is not a duration";
  if (text.empty()) return "the duration is empty (use e.g. 30, 30s, 500ms, 1.5s, 2m, 1h)";
  if (text[0] == '-') return bad + ": a duration cannot be negative";
  const Decimal d = read_decimal(text);
  if (d.length == 0) return bad + " (use e.g. 30, 30s, 500ms, 1.5s, 2m, 1h)";
  struct Unit {
    std::string_view name;
    uint64_t ns;
  };
  static constexpr Unit kUnits[] = {
      {"", 1000000000},       {"ns", 1},
      {"us", 1000},           {"ms", 1000000},
      {"s", 1000000000},      {"sec", 1000000000},
      {"m", 60000000000},     {"min", 60000000000},
      {"h", 3600000000000},   {"d", 86400000000000},
      {"w", 604800000000000},
  };
  const std::string_view unit = text.substr(d.length);
  for (const auto& u : kUnits) {
    if (u.name != unit) continue;
    const auto v = scale(d, u.ns, u128{1} << 63);
    if (!v) {
      out_ns = INT64_MAX;
      return "duration " + quoted(text) + " is too long (the limit is about 292 years)";
    }
    out_ns = static_cast<int64_t>(*v);
    return std::nullopt;
  }
  return bad + ": unknown unit '" + std::string(unit) +
         "' (use ns, us, ms, s, m, h, d or w, e.g. 500ms, 1.5s)";
}

}  // namespace dskit
