// Helpers shared by the order module's unit tests: an epoch's whole order as a vector, and the options of a
// shard-local shuffle.
#pragma once

#include <cstdint>
#include <vector>

#include "dskit/order/shuffle.h"

namespace dskit::test {

// The order of all n rows in the epoch o describes (positions 0 .. n-1).
inline std::vector<uint64_t> whole_order(uint64_t n, const ShuffleOptions& o) {
  std::vector<uint64_t> v;
  EpochOrder(n, o).append(0, n, v);
  return v;
}

// A shard-local shuffle of epoch `epoch` with `partitions` canonical partitions.
inline ShuffleOptions shard_local(uint64_t seed, uint64_t partitions, uint64_t epoch = 0) {
  ShuffleOptions o;
  o.mode = ShuffleMode::shard_local;
  o.seed = seed;
  o.epoch = epoch;
  o.partitions = partitions;
  return o;
}

}  // namespace dskit::test
