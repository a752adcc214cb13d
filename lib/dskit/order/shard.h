// A rank's share of an epoch's order. The order never depends on the world size; a share is a contiguous
// slice of it (see docs/shuffle.md), so the union of the shares of ranks 0..W-1, in rank order, is the
// epoch's order (minus the dropped tail, or plus the padding).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dskit/order/shuffle.h"

namespace dskit {

enum class TailPolicy {
  uneven,     // every row once; shares differ by at most one row
  drop_last,  // every rank gets floor(n/W) rows; the last n mod W positions of the order are dropped
  pad,        // every rank gets ceil(n/W) rows; the order is extended by repeating its first positions
};

struct ShardOptions {
  uint64_t rank = 0;
  uint64_t world = 1;
  TailPolicy tail = TailPolicy::uneven;
};

std::optional<std::string> validate(const ShardOptions& o);

// The length m of the extended order the shares are cut from: n (uneven), floor(n/W)*W (drop-last),
// ceil(n/W)*W (pad). Position p < m holds the row at position p mod n of the epoch's order; p >= n is
// padding.
uint64_t extended_length(uint64_t n, uint64_t world, TailPolicy tail);

// The positions [begin, end) of the extended order that form a rank's share:
// [floor(rank*m/W), floor((rank+1)*m/W)).
struct ShareRange {
  uint64_t begin = 0, end = 0;
  uint64_t size() const { return end - begin; }
};
ShareRange rank_share(uint64_t n, const ShardOptions& o);

// One entry of a share: the row and whether it is padding (a repeat of an earlier position).
struct ShareEntry {
  uint64_t row;
  bool pad;
};
std::vector<ShareEntry> shard_entries(const EpochOrder& order, const ShardOptions& o);

}  // namespace dskit
