// The one grammar for byte sizes and durations on every command line (dsls -S, dsbench --size/--block/
// --ops/--bytes/--duration, ...). Both return an error message (never throw, never print).
//
// Size:     DIGITS [ "." DIGITS ] [ UNIT ]   UNIT = ( k | M | G | T | P ) [ i ] [ B ]   or   B
//           Units are powers of 1024 (1k = 1024, 1M = 1048576, ... 1P = 2^50); letters are case-insensitive
//           (4k = 4K = 4KiB = 4kb). A fraction is allowed (1.5G); the result is rounded down to a whole
//           byte. No sign, no spaces. Sizes of 2^64 bytes or more are refused.
// Duration: DIGITS [ "." DIGITS ] [ UNIT ]   UNIT = ns | us | ms | s | sec | m | min | h | d | w
//           A bare number is seconds (30 = 30s); 1.5s, 500ms, 2m, 1h. Rounded down to a nanosecond;
//           durations of 2^63 ns (about 292 years) or more are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dskit {

// Bytes (or a count: dsbench --ops 1M is 1048576 operations). On error `out` is unchanged and the message
// quotes the text, e.g. "'4q' is not a size: unknown unit 'q' (use k, M, G, T or P, e.g. 4k, 1.5GiB)".
std::optional<std::string> parse_bytes(std::string_view text, uint64_t& out);

// Nanoseconds. On error `out_ns` is unchanged, except for a well-formed duration that is too long: then it
// is INT64_MAX as well as the error, for callers that saturate instead (dsls --newer 99999999999w).
std::optional<std::string> parse_duration(std::string_view text, int64_t& out_ns);

}  // namespace dskit
