#include "dskit/order/shard.h"

#include <doctest/doctest.h>

#include <vector>

#include "orders.h"

using namespace dskit;
using test::shard_local;
using test::whole_order;

TEST_CASE("shard: the union of the shares is the epoch's order, for every tail policy and W in 1..17") {
  for (ShuffleMode mode :
       {ShuffleMode::none, ShuffleMode::global, ShuffleMode::shard_local, ShuffleMode::block}) {
    ShuffleOptions so;
    so.mode = mode;
    so.seed = 17;
    so.epoch = 4;
    so.block = 8;
    so.window = 2;
    so.partitions = 64;
    for (uint64_t n : {0ULL, 1ULL, 5ULL, 16ULL, 17ULL, 100ULL, 1001ULL}) {
      const EpochOrder order(n, so);
      const auto full = whole_order(n, so);
      for (uint64_t world = 1; world <= 17; ++world)
        for (TailPolicy tail : {TailPolicy::uneven, TailPolicy::drop_last, TailPolicy::pad}) {
          std::vector<uint64_t> cat;
          std::vector<bool> pads;
          uint64_t min_share = UINT64_MAX, max_share = 0;
          for (uint64_t rank = 0; rank < world; ++rank) {
            const auto share = shard_entries(order, {rank, world, tail});
            min_share = std::min<uint64_t>(min_share, share.size());
            max_share = std::max<uint64_t>(max_share, share.size());
            for (const ShareEntry& e : share) {
              cat.push_back(e.row);
              pads.push_back(e.pad);
            }
          }
          INFO("n=" << n << " world=" << world << " tail=" << static_cast<int>(tail));
          if (tail == TailPolicy::uneven) {
            CHECK(cat == full);
            CHECK(max_share - min_share <= 1);
          } else if (tail == TailPolicy::drop_last) {
            CHECK(cat ==
                  std::vector<uint64_t>(full.begin(), full.begin() + static_cast<long>(n / world * world)));
            CHECK(min_share == n / world);
            CHECK(max_share == n / world);
          } else {
            const uint64_t c = (n + world - 1) / world;
            CHECK(min_share == c);
            CHECK(max_share == c);
            for (uint64_t p = 0; p < cat.size(); ++p) {
              REQUIRE(cat[p] == full[p % n]);
              REQUIRE(pads[p] == (p >= n));
            }
          }
        }
    }
  }
}

TEST_CASE("shard: resuming on another world size keeps the global order") {
  // The order is defined without W: the concatenation of the shares, rank by rank, is the same sequence for
  // every W, so a job that consumed the first K positions can resume with any W on positions K.. .
  const ShuffleOptions so = shard_local(1, 32, 9);
  const uint64_t n = 3000;
  const EpochOrder order(n, so);
  std::vector<uint64_t> reference;
  for (uint64_t world : {1ULL, 2ULL, 3ULL, 4ULL, 8ULL, 13ULL}) {
    std::vector<uint64_t> cat;
    for (uint64_t rank = 0; rank < world; ++rank)
      for (const ShareEntry& e : shard_entries(order, {rank, world, TailPolicy::uneven}))
        cat.push_back(e.row);
    if (reference.empty()) reference = cat;
    CHECK(cat == reference);
  }
}

TEST_CASE("shard: with W dividing P, shard-local shares are whole canonical partitions") {
  const ShuffleOptions so = shard_local(2, 24);
  const uint64_t n = 1003;
  const EpochOrder order(n, so);
  for (uint64_t world : {1ULL, 2ULL, 3ULL, 4ULL, 6ULL, 8ULL, 12ULL, 24ULL})
    for (uint64_t rank = 0; rank < world; ++rank) {
      const uint64_t per = so.partitions / world;
      for (const ShareEntry& e : shard_entries(order, {rank, world, TailPolicy::uneven})) {
        const uint64_t p = slice_of(n, so.partitions, e.row);
        REQUIRE(p / per == rank);
      }
    }
}

TEST_CASE("shard: a padded share matches the Python reference of docs/shuffle.md") {
  ShuffleOptions so;
  so.seed = 3;
  so.epoch = 1;
  const auto share = shard_entries(EpochOrder(10, so), {3, 4, TailPolicy::pad});
  REQUIRE(share.size() == 3);
  CHECK(share[0].row == 7);
  CHECK(!share[0].pad);
  CHECK(share[1].row == 5);
  CHECK(share[1].pad);
  CHECK(share[2].row == 3);
  CHECK(share[2].pad);
}

TEST_CASE("shard: validation and extended lengths") {
  CHECK(validate(ShardOptions{0, 0, TailPolicy::uneven}).has_value());
  CHECK(validate(ShardOptions{3, 3, TailPolicy::uneven}).has_value());
  CHECK(!validate(ShardOptions{2, 3, TailPolicy::uneven}).has_value());
  CHECK(extended_length(10, 4, TailPolicy::uneven) == 10);
  CHECK(extended_length(10, 4, TailPolicy::drop_last) == 8);
  CHECK(extended_length(10, 4, TailPolicy::pad) == 12);
  CHECK(extended_length(0, 4, TailPolicy::pad) == 0);
  CHECK(extended_length(1, 4, TailPolicy::pad) == 4);
}
