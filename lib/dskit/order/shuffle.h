// Deterministic, stateless epoch orders: the row at any position of an epoch is computed from (seed, epoch,
// position) in O(1) time and memory, by a keyed Feistel network with cycle-walking. The algorithm is
// specified in docs/shuffle.md, together with a Python reference that reproduces it bit for bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dskit {

// The splitmix64 finaliser: the one integer mix every key and round function is built from.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The key of one permutation of an epoch: mix64(mix64(mix64(mix64(seed) ^ epoch) ^ tag) ^ j).
// `tag` names the permutation's role (see the constants below), `j` its instance (partition, window).
constexpr uint64_t derive_key(uint64_t seed, uint64_t epoch, uint64_t tag, uint64_t j) {
  return mix64(mix64(mix64(mix64(seed) ^ epoch) ^ tag) ^ j);
}
namespace key_tag {
inline constexpr uint64_t global = 1;     // the whole order (global mode)
inline constexpr uint64_t partition = 2;  // within canonical partition j (shard-local mode)
inline constexpr uint64_t blocks = 3;     // the order of the blocks (block mode)
inline constexpr uint64_t window = 4;     // within window j (block mode)
}  // namespace key_tag

// A bijection of [0, n): a balanced Feistel network of kRounds rounds over 2h bits (the smallest h >= 1 with
// 4^h >= n), cycle-walking until the value falls below n.
class FeistelPermutation {
 public:
  static constexpr int kRounds = 6;
  FeistelPermutation() = default;
  FeistelPermutation(uint64_t n, uint64_t key);
  uint64_t n() const { return n_; }
  // The image of i (i < n).
  uint64_t operator()(uint64_t i) const {
    uint64_t x = i;
    do {
      uint64_t l = x >> half_, r = x & mask_;
      for (uint64_t k : rk_) {
        const uint64_t t = l ^ (mix64(r ^ k) & mask_);
        l = r;
        r = t;
      }
      x = (l << half_) | r;
    } while (x >= n_);
    return x;
  }

 private:
  uint64_t n_ = 0;
  unsigned half_ = 1;
  uint64_t mask_ = 1;
  uint64_t rk_[kRounds] = {};
};

enum class ShuffleMode {
  none,    // the manifest's own order
  global,  // one permutation of all rows
  block,   // blocks of `block` consecutive rows permuted, rows shuffled within windows of `window` blocks
  shard_local,  // each of `partitions` canonical partitions (contiguous row ranges) shuffled within itself
};

struct ShuffleOptions {
  ShuffleMode mode = ShuffleMode::global;
  uint64_t seed = 0;
  uint64_t epoch = 0;
  uint64_t block = 0;          // rows per block (block mode), >= 1
  uint64_t window = 1;         // blocks per window (block mode), >= 1
  uint64_t partitions = 1024;  // canonical partitions (shard-local mode), >= 1
};

// An error message when the options cannot define an order.
std::optional<std::string> validate(const ShuffleOptions& o);

// Canonical slice i of k over [0, n): [floor(i*n/k), floor((i+1)*n/k)). Partitions and rank shares are both
// cut this way, so that when W divides P a rank's share is exactly P/W whole partitions.
uint64_t slice_begin(uint64_t n, uint64_t k, uint64_t i);
// The slice that holds position pos (pos < n, k >= 1).
uint64_t slice_of(uint64_t n, uint64_t k, uint64_t pos);

// The order of one epoch over n rows: at(pos) is the row index at position pos.
class EpochOrder {
 public:
  EpochOrder(uint64_t n, const ShuffleOptions& o);  // o must validate
  uint64_t size() const { return n_; }
  uint64_t at(uint64_t pos) const;
  // Appends at(pos) for pos in [begin, end): faster than calling at() in a loop, and in parallel (oneTBB)
  // for long ranges, with the same result.
  void append(uint64_t begin, uint64_t end, std::vector<uint64_t>& out) const;

 private:
  void fill(uint64_t begin, uint64_t end, uint64_t* dst) const;
  uint64_t n_;
  ShuffleOptions o_;
  FeistelPermutation global_;  // global mode: the order; block mode: the order of the full blocks
  uint64_t full_blocks_ = 0;
};

}  // namespace dskit
