#include "dskit/order/shuffle.h"

#include <doctest/doctest.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "orders.h"

using namespace dskit;
using test::shard_local;
using test::whole_order;

namespace {

// True when order is a permutation of [0, n).
bool is_permutation_of(const std::vector<uint64_t>& order, uint64_t n) {
  if (order.size() != n) return false;
  std::vector<char> seen(n, 0);
  for (uint64_t r : order) {
    if (r >= n || seen[r]) return false;
    seen[r] = 1;
  }
  return true;
}

}  // namespace

TEST_CASE("shuffle: mix64 and derive_key match the documented constants") {
  // Values printed by the Python reference in docs/shuffle.md.
  CHECK(mix64(0) == 0);
  CHECK(mix64(1) == 0x5692161D100B05E5ULL);
  CHECK(derive_key(42, 0, key_tag::global, 0) == derive_key(42, 0, 1, 0));
  CHECK(derive_key(42, 0, 1, 0) != derive_key(42, 1, 1, 0));
}

TEST_CASE("shuffle: orders match the Python reference of docs/shuffle.md") {
  // Printed by the Python functions in docs/shuffle.md (the e2e test compares many more cases).
  CHECK(derive_key(1, 2, 3, 4) == 0xE96F4B88D51C8EEAULL);
  ShuffleOptions o;
  o.seed = 1;
  CHECK(whole_order(10, o) == std::vector<uint64_t>{3, 2, 0, 9, 4, 8, 7, 1, 5, 6});
  o.seed = 7;
  o.epoch = 7;
  const auto big = whole_order(1000, o);
  CHECK(std::vector<uint64_t>(big.begin(), big.begin() + 12) ==
        std::vector<uint64_t>{939, 166, 250, 357, 492, 973, 475, 209, 678, 699, 88, 929});
  o.mode = ShuffleMode::block;
  o.seed = UINT64_MAX;
  o.epoch = 5;
  o.block = 4;
  o.window = 2;
  CHECK(whole_order(23, o) == std::vector<uint64_t>{18, 19, 3, 17, 1,  0,  16, 2,  6,  4,  5, 10,
                                                    11, 8,  9, 7,  15, 22, 14, 20, 12, 13, 21});
  o.mode = ShuffleMode::shard_local;
  o.seed = 99;
  o.epoch = 1;
  o.partitions = 3;
  CHECK(whole_order(23, o) == std::vector<uint64_t>{1, 3,  2, 4,  0,  6,  5,  9,  13, 10, 14, 11,
                                                    8, 12, 7, 15, 19, 18, 21, 22, 16, 20, 17});
}

TEST_CASE("shuffle: the Feistel permutation is a bijection for every n in 0..10000") {
  for (uint64_t seed : {0ULL, 1ULL, 0xDEADBEEFULL}) {
    std::atomic<uint64_t> first_bad{UINT64_MAX};
    tbb::parallel_for(tbb::blocked_range<uint64_t>(0, 10001, 64), [&](const tbb::blocked_range<uint64_t>& r) {
      std::vector<char> seen;
      for (uint64_t n = r.begin(); n != r.end(); ++n) {
        const FeistelPermutation p(n, derive_key(seed, 3, key_tag::global, 0));
        seen.assign(n, 0);
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t y = p(i);
          if (y >= n || seen[y]) {
            first_bad = n;
            break;
          }
          seen[y] = 1;
        }
      }
    });
    CHECK_MESSAGE(first_bad.load() == UINT64_MAX,
                  "not a permutation: n=" << first_bad.load() << " seed=" << seed);
  }
}

TEST_CASE("shuffle: every mode gives a permutation") {
  for (uint64_t n : {0ULL, 1ULL, 2ULL, 3ULL, 7ULL, 100ULL, 1000ULL, 4097ULL, 12345ULL}) {
    ShuffleOptions o;
    o.seed = 7;
    o.epoch = 2;
    for (ShuffleMode m : {ShuffleMode::none, ShuffleMode::global}) {
      o.mode = m;
      CHECK_MESSAGE(is_permutation_of(whole_order(n, o), n), "n=" << n);
    }
    o.mode = ShuffleMode::block;
    for (uint64_t b : {1ULL, 3ULL, 64ULL, 5000ULL})
      for (uint64_t w : {1ULL, 2ULL, 5ULL}) {
        o.block = b;
        o.window = w;
        CHECK_MESSAGE(is_permutation_of(whole_order(n, o), n),
                      "n=" << n << " block=" << b << " window=" << w);
      }
    o.mode = ShuffleMode::shard_local;
    for (uint64_t p : {1ULL, 4ULL, 1024ULL, 20000ULL}) {
      o.partitions = p;
      CHECK_MESSAGE(is_permutation_of(whole_order(n, o), n), "n=" << n << " partitions=" << p);
    }
  }
}

TEST_CASE("shuffle: at() agrees with append() on any sub-range") {
  const uint64_t n = 5003;
  ShuffleOptions o;
  o.seed = 11;
  for (ShuffleMode m : {ShuffleMode::global, ShuffleMode::block, ShuffleMode::shard_local}) {
    o.mode = m;
    o.block = 16;
    o.window = 4;
    o.partitions = 37;
    EpochOrder ord(n, o);
    std::vector<uint64_t> part;
    ord.append(1234, 4321, part);
    REQUIRE(part.size() == 4321 - 1234);
    for (uint64_t i = 0; i < part.size(); ++i) REQUIRE(part[i] == ord.at(1234 + i));
  }
}

TEST_CASE("shuffle: the parallel fill of long ranges equals at()") {
  const uint64_t n = 300007;
  ShuffleOptions o;
  o.seed = 12;
  o.block = 100;
  o.window = 7;
  o.partitions = 1024;
  for (ShuffleMode m : {ShuffleMode::global, ShuffleMode::block, ShuffleMode::shard_local}) {
    o.mode = m;
    EpochOrder ord(n, o);
    std::vector<uint64_t> v;
    ord.append(5, n, v);
    REQUIRE(v.size() == n - 5);
    for (uint64_t i = 0; i < v.size(); i += 997) REQUIRE(v[i] == ord.at(i + 5));
    v.insert(v.begin(), {ord.at(0), ord.at(1), ord.at(2), ord.at(3), ord.at(4)});
    CHECK(is_permutation_of(v, n));
  }
}

TEST_CASE("shuffle: deterministic, and epochs and seeds give different orders") {
  ShuffleOptions o;
  o.seed = 5;
  const auto a = whole_order(1000, o);
  CHECK(a == whole_order(1000, o));
  o.epoch = 1;
  const auto b = whole_order(1000, o);
  CHECK(a != b);
  o.seed = 6;
  CHECK(b != whole_order(1000, o));
  // A real shuffle: few fixed points.
  std::size_t fixed = 0;
  for (uint64_t i = 0; i < a.size(); ++i) fixed += a[i] == i;
  CHECK(fixed < 20);
}

TEST_CASE("shuffle: shard-local keeps every row inside its canonical partition") {
  const ShuffleOptions o = shard_local(9, 16);
  const uint64_t n = 1000;
  const auto v = whole_order(n, o);
  for (uint64_t pos = 0; pos < n; ++pos) CHECK(slice_of(n, 16, pos) == slice_of(n, 16, v[pos]));
}

TEST_CASE("shuffle: block mode reads whole blocks within each window") {
  ShuffleOptions o;
  o.mode = ShuffleMode::block;
  o.seed = 3;
  o.block = 10;
  o.window = 3;
  const uint64_t n = 1005;  // 100 full blocks and a tail block of 5
  const auto v = whole_order(n, o);
  for (uint64_t w = 0; w * 30 < n; ++w) {
    std::vector<uint64_t> blocks;
    for (uint64_t pos = w * 30; pos < std::min(n, (w + 1) * 30); ++pos) blocks.push_back(v[pos] / 10);
    std::sort(blocks.begin(), blocks.end());
    blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
    CHECK(blocks.size() <= 3);
  }
  // The short tail block (rows 1000..1004) is in the last window.
  bool tail_last = false;
  for (uint64_t pos = 990; pos < n; ++pos) tail_last |= v[pos] >= 1000;
  CHECK(tail_last);
}

TEST_CASE("shuffle: slices") {
  CHECK(slice_begin(10, 3, 0) == 0);
  CHECK(slice_begin(10, 3, 1) == 3);
  CHECK(slice_begin(10, 3, 2) == 6);
  CHECK(slice_begin(10, 3, 3) == 10);
  for (uint64_t n : {1ULL, 5ULL, 10ULL, 1000ULL})
    for (uint64_t k : {1ULL, 3ULL, 7ULL, 2000ULL})
      for (uint64_t pos = 0; pos < n; ++pos) {
        const uint64_t s = slice_of(n, k, pos);
        REQUIRE(slice_begin(n, k, s) <= pos);
        REQUIRE(pos < slice_begin(n, k, s + 1));
      }
}

TEST_CASE("shuffle: option validation") {
  ShuffleOptions o;
  o.mode = ShuffleMode::block;
  CHECK(validate(o).has_value());
  o.block = 4;
  CHECK(!validate(o).has_value());
  o.window = 0;
  CHECK(validate(o).has_value());
  o.mode = ShuffleMode::shard_local;
  o.partitions = 0;
  CHECK(validate(o).has_value());
}
