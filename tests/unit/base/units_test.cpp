// The one byte-size and duration grammar (base/units.h): every unit, fractions, limits, garbage.
#include "dskit/base/units.h"

#include <doctest/doctest.h>

using namespace dskit;

namespace {

std::optional<uint64_t> bytes(std::string_view s) {
  uint64_t v = 12345;
  if (parse_bytes(s, v)) {
    CHECK(v == 12345);  // untouched on error
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> ns(std::string_view s) {
  int64_t v = 12345;
  if (auto err = parse_duration(s, v)) {
    CHECK(v == (err->find("too long") != std::string::npos ? INT64_MAX : 12345));  // saturates for callers
    return std::nullopt;
  }
  return v;
}

constexpr uint64_t kKi = 1024;

}  // namespace

TEST_CASE("sizes: bare numbers and every unit, powers of 1024, any case, optional i and B") {
  CHECK(bytes("0") == 0);
  CHECK(bytes("4096") == 4096);
  CHECK(bytes("007") == 7);
  CHECK(bytes("18446744073709551615") == UINT64_MAX);
  for (const char* b : {"12b", "12B"}) CHECK(bytes(b) == 12);
  const char* prefixes[] = {"k", "m", "g", "t", "p"};
  uint64_t mult = 1;
  for (const char* p : prefixes) {
    mult *= kKi;
    for (const std::string suffix : {"", "i", "b", "ib"}) {
      std::string lo = std::string("3") + p + suffix, up = lo;
      for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      CAPTURE(lo);
      CHECK(bytes(lo) == 3 * mult);
      CHECK(bytes(up) == 3 * mult);
    }
  }
  CHECK(bytes("4KiB") == 4096);
  CHECK(bytes("1MB") == kKi * kKi);
  CHECK(bytes("10ki") == 10 * kKi);  // dsls accepted this and dsbench did not: both do now
}

TEST_CASE("sizes: fractions round down to a whole byte") {
  CHECK(bytes("1.5k") == 1536);
  CHECK(bytes("1.5G") == 3 * (kKi * kKi * kKi) / 2);
  CHECK(bytes("0.5") == 0);
  CHECK(bytes("2.9") == 2);
  CHECK(bytes("0.1k") == 102);                            // 102.4
  CHECK(bytes("0.001k") == 1);                            // 1.024
  CHECK(bytes("1.00000000000000000000000001k") == 1024);  // digits past the 18th are dropped, not misread
  CHECK(bytes("0.99999999999999999999P") == (kKi * kKi * kKi * kKi * kKi) - 1);
  CHECK_FALSE(bytes("1."));
  CHECK_FALSE(bytes(".5k"));
  CHECK_FALSE(bytes("1.k"));
}

TEST_CASE("sizes: overflow is refused with a short message") {
  CHECK_FALSE(bytes("18446744073709551616"));
  CHECK_FALSE(bytes("16384P"));  // 2^64
  CHECK(bytes("16383.999P") == (uint64_t{16383} << 50) + (uint64_t{999} << 50) / 1000);
  CHECK_FALSE(bytes("17179869184G"));
  CHECK_FALSE(bytes("16777216T"));
  CHECK(bytes("16777215T") == uint64_t{16777215} << 40);
  std::string huge(400, '9');
  uint64_t v = 0;
  const auto err = parse_bytes(huge + "k", v);
  REQUIRE(err);
  CHECK(err->find("too large") != std::string::npos);
  CHECK(err->size() < 120);  // the text shortened, and a short explanation
}

TEST_CASE("sizes: garbage, empty, negative, signs and spaces") {
  for (const char* s : {"",     "k",   "B",   "-1",  "-1k",   "+1",  " 1",   "1 ",  "1 k",  "4q",  "4kk",
                        "4kB2", "4iB", "4BB", "4bi", "4KiBs", "1e3", "0x10", "abc", "1,5k", "inf", "nan"}) {
    CAPTURE(s);
    CHECK_FALSE(bytes(s));
  }
  uint64_t v = 0;
  CHECK(parse_bytes("-1", v)->find("negative") != std::string::npos);
  CHECK(parse_bytes("4q", v)->find("unknown unit 'q'") != std::string::npos);
  CHECK(parse_bytes("", v)->find("empty") != std::string::npos);
}

TEST_CASE("durations: bare seconds and every unit") {
  constexpr int64_t s = 1000000000;
  CHECK(ns("0") == 0);
  CHECK(ns("30") == 30 * s);
  CHECK(ns("30s") == 30 * s);
  CHECK(ns("30sec") == 30 * s);
  CHECK(ns("500ms") == s / 2);
  CHECK(ns("250us") == 250000);
  CHECK(ns("7ns") == 7);
  CHECK(ns("2m") == 120 * s);
  CHECK(ns("15min") == 900 * s);
  CHECK(ns("1h") == 3600 * s);
  CHECK(ns("3d") == 3 * 86400 * s);
  CHECK(ns("1w") == 7 * 86400 * s);
}

TEST_CASE("durations: fractions, overflow, garbage") {
  constexpr int64_t s = 1000000000;
  CHECK(ns("1.5s") == 3 * s / 2);
  CHECK(ns("1.5") == 3 * s / 2);
  CHECK(ns("0.5ms") == 500000);
  CHECK(ns("1.5ns") == 1);
  CHECK(ns("0.25h") == 900 * s);
  CHECK(ns("9223372036.854775807") == INT64_MAX);
  CHECK_FALSE(ns("9223372036.854775808"));
  CHECK_FALSE(ns("15251w"));  // 292.5 years
  CHECK(ns("15250w") == int64_t{15250} * 604800 * s);
  CHECK_FALSE(ns(std::string(400, '9')));
  for (const char* t : {"", "s", "-1", "-1s", "+1s", "1 s", "1S", "1x", "1sec2", "1.s", ".5s", "1e3",
                        "2026-01-01", "1hour", "1mn"}) {
    CAPTURE(t);
    CHECK_FALSE(ns(t));
  }
  int64_t v = 0;
  CHECK(parse_duration("-1s", v)->find("negative") != std::string::npos);
  CHECK(parse_duration("99999999999w", v)->find("too long") != std::string::npos);
  CHECK(parse_duration("1x", v)->find("unknown unit 'x'") != std::string::npos);
}
