// Resampling and per-entry weights on manifest rows (single-label). Undersampling keeps a seeded random
// subset of a class's rows in manifest order; oversampling never copies files: a `repeat` column holds each
// row's integer repeat count. Deterministic: the same manifest, rules, options and seed give the same rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/manifest/manifest.h"

namespace dskit {

struct ResampleOptions {
  uint64_t max_per_class = 0;  // 0: no cap
  double max_ratio = 0;        // 0: no cap; else every class is capped at floor(R x the smallest class)
  uint64_t target = 0;         // 0: none; else every non-empty class is brought to exactly N
  uint64_t seed = 0;
  std::string separator = "|";  // a row with two or more labels is an error
};

struct ResampleClass {
  std::string name;
  uint64_t before = 0;
  uint64_t requested = 0;
  uint64_t achieved = 0;  // sum of the repeat counts of the class's rows
};

struct ResampleResult {
  std::vector<ResampleClass> classes;  // in class order
  uint64_t rows_before = 0, rows_after = 0;
  uint64_t unlabelled_kept = 0;  // rows with no label are kept once
  uint64_t dropped = 0;          // rows whose labels were all dropped are left out
};

// Resamples `m` in place: rows are selected, labels rewritten after the rules, and a `repeat` column set.
// Returns an error message (multi-label row, no option given, options that contradict each other).
std::optional<std::string> resample_manifest(Manifest& m, const LabelRules& rules, const ResampleOptions& o,
                                             ResampleResult& out);

// Adds (or overwrites) a `weight` column: the mean of the class weights of the row's labels after the
// rules, 0 for an unlabelled or dropped row. `d` must be count_classes() of the same manifest and rules.
void add_sample_weights(Manifest& m, const LabelRules& rules, const Distribution& d,
                        const std::vector<double>& weights, const std::string& separator);

}  // namespace dskit
