// The `repeat` column (written by dsbalance --resample): row i stands for repeat_i samples of the dataset, so
// rebalancing never copies files. Every consumer that counts or orders samples honours it through this file:
// the *expanded* sequence of a manifest is row 0 repeat_0 times, then row 1 repeat_1 times, ... in manifest
// order (a manifest without the column expands to itself). Shuffle and shard order the expanded sequence
// (docs/shuffle.md), dsbalance and stats count it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/manifest/manifest.h"

namespace dskit {

namespace column {
inline constexpr std::string_view repeat = "repeat";  // decimal repeat count, 0 .. kMaxRepeat
inline constexpr std::string_view weight = "weight";  // per-row sampling weight, a finite number >= 0
}  // namespace column

// Limits that keep a crafted manifest from asking for unbounded memory: a cell's count, and the length of
// the expanded sequence.
inline constexpr uint64_t kMaxRepeat = uint64_t{1} << 20;
inline constexpr uint64_t kMaxExpandedRows = uint64_t{1} << 32;

// The repeat count of every row (empty when the manifest has no `repeat` column) and their sum.
struct RepeatCounts {
  std::vector<uint32_t> counts;  // counts[i] for row i; empty: every row once
  uint64_t total = 0;            // length of the expanded sequence
  bool present() const { return !counts.empty(); }
  uint64_t of(std::size_t row) const { return counts.empty() ? 1 : counts[row]; }
};

// Reads the `repeat` column. Errors name FILE and the line of a cell that is not a decimal count within
// kMaxRepeat, or a total over kMaxExpandedRows.
std::optional<ManifestError> read_repeat_counts(const Manifest& m, const std::string& file,
                                                RepeatCounts& out);

// The `weight` column (written by dsbalance --sample-weights): row i is drawn with probability proportional
// to weight_i by a sampler that samples by weight (PyTorch's WeightedRandomSampler); with a `repeat` column
// each of its repeat_i samples carries weight_i. Orders (shuffle, shard, EpochSampler) are permutations and
// do not use it; dsbalance and stats report what it gives each class.
struct RowWeights {
  std::vector<double> weights;  // weights[i] for row i; empty: no weight column
  double total = 0;             // sum over the expanded sequence: sum of repeat_i x weight_i
  uint64_t zero = 0;            // rows of weight 0 (never drawn)
  bool present = false;         // the manifest has the column
};

// Reads the `weight` column (`repeat` gives the multiplicities). Errors name FILE and the line of a cell
// that is not a finite decimal number >= 0 (e.g. 0.25, 3, 1e-3).
std::optional<ManifestError> read_row_weights(const Manifest& m, const std::string& file,
                                              const RepeatCounts& repeat, RowWeights& out);

// The expanded sequence as row indexes (the identity without a `repeat` column).
std::vector<std::size_t> expanded_rows(const Manifest& m, const RepeatCounts& r);

}  // namespace dskit
