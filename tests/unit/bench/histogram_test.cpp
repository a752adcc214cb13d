#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "dskit/bench/histogram.h"

using dskit::bench::Histogram;

namespace {
// The exact percentile of a sorted sample, by the same rank rule (smallest v with >= p% of values <= v).
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}
void check_close(uint64_t got, uint64_t want) {
  const double err = std::abs(static_cast<double>(got) - static_cast<double>(want));
  CHECK(err <= static_cast<double>(want) / 128.0 + 1.0);
}
}  // namespace

TEST_CASE("histogram buckets tile the value range with at most 1/128 relative width") {
  uint64_t expect_low = 0;
  for (std::size_t b = 0; b < Histogram::kBuckets; ++b) {
    const uint64_t lo = Histogram::bucket_low(b), hi = Histogram::bucket_high(b);
    REQUIRE(lo == expect_low);  // contiguous, no gaps or overlaps
    REQUIRE(hi >= lo);
    CHECK(Histogram::bucket_of(lo) == b);
    CHECK(Histogram::bucket_of(hi) == b);
    if (lo >= Histogram::kSubCount)
      CHECK(static_cast<double>(hi - lo + 1) <= static_cast<double>(lo) / 128.0);
    expect_low = hi + 1;
  }
  CHECK(expect_low == uint64_t{1} << Histogram::kMaxBits);
  CHECK(Histogram::bucket_of(~uint64_t{0}) == Histogram::kBuckets - 1);
  for (uint64_t v = 0; v < 256; ++v) CHECK(Histogram::bucket_of(v) == v);
}

TEST_CASE("histogram statistics on a uniform distribution") {
  Histogram h;
  std::vector<uint64_t> vals;
  for (uint64_t v = 1; v <= 100000; ++v) {
    h.record(v * 10);
    vals.push_back(v * 10);
  }
  CHECK(h.count() == 100000);
  CHECK(h.min() == 10);
  CHECK(h.max() == 1000000);
  CHECK(h.mean() == doctest::Approx(500005.0));
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0})
    check_close(h.percentile(p), exact_percentile(vals, p));
  CHECK(h.percentile(100) == 1000000);
}

TEST_CASE("histogram percentiles of a log-normal sample stay within 1%") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(11.0, 1.5);  // median ~60 us, long tail into seconds
  Histogram h;
  std::vector<uint64_t> vals;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<uint64_t>(d(rng));
    h.record(v);
    vals.push_back(v);
  }
  std::sort(vals.begin(), vals.end());
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) check_close(h.percentile(p), exact_percentile(vals, p));
  CHECK(h.max() == vals.back());
  CHECK(h.min() == vals.front());
}

TEST_CASE("histogram small values are exact and a bimodal split is found") {
  Histogram h;
  h.record_n(100, 900);
  h.record_n(5000000, 100);
  CHECK(h.percentile(50) == 100);
  CHECK(h.percentile(90) == 100);
  check_close(h.percentile(90.1), 5000000);
  CHECK(h.percentile(100) == 5000000);
  Histogram empty;
  CHECK(empty.percentile(50) == 0);
  CHECK(empty.min() == 0);
  CHECK(empty.max() == 0);
}

TEST_CASE("histogram merge equals recording everything in one") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> d(0, uint64_t{1} << 40);
  Histogram all, a, b, c;
  for (int i = 0; i < 30000; ++i) {
    const uint64_t v = d(rng) >> (i % 30);
    all.record(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).record(v);
  }
  Histogram m;
  m.merge(a);
  m.merge(b);
  m.merge(c);
  CHECK(m == all);
  CHECK(m.percentile(99) == all.percentile(99));
  Histogram huge;
  huge.record(uint64_t{1} << 50);  // beyond the range: last bucket, exact max
  CHECK(huge.max() == uint64_t{1} << 50);
  CHECK(huge.buckets().back() == 1);
}
