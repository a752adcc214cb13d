// Shared by shuffle.cpp and shard.cpp: they order the manifest's *expanded* sequence (row i repeat_i times,
// dskit/manifest/repeat.h), print manifest row numbers with --indices, and write one row per sample with
// the repeat column set to 1 (so reading the output again does not expand it twice).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dskit/manifest/manifest.h"
#include "dskit/manifest/repeat.h"
#include "manifest_cli.h"

namespace dsmanifest::order {

// The expanded sequence of M, as the running sums of the repeat counts (ends[i]: the expanded positions
// before row i+1; empty when M has no repeat column: the identity), so that it costs one word per row, not
// per sample; n is its length. 0, or kExitUsage after printing the error of a bad repeat cell.
inline int expand_repeat(const dskit::Manifest& m, const std::string& file, uint64_t& n,
                         std::vector<uint64_t>& ends) {
  dskit::RepeatCounts rep;
  if (auto err = dskit::read_repeat_counts(m, file, rep)) {
    cli::error(dskit::describe(*err));
    return dskit::app::kExitUsage;
  }
  n = rep.total;
  ends.clear();
  if (!rep.present()) return dskit::app::kExitOk;
  ends.resize(m.size());
  uint64_t sum = 0;
  for (std::size_t i = 0; i < m.size(); ++i) ends[i] = sum += rep.counts[i];
  return dskit::app::kExitOk;
}

// Positions of the expanded sequence -> manifest rows: the row whose range [ends[i-1], ends[i]) holds it.
inline void to_manifest_rows(const std::vector<uint64_t>& ends, std::vector<uint64_t>& rows) {
  if (ends.empty()) return;
  for (auto& r : rows)
    r = static_cast<uint64_t>(std::upper_bound(ends.begin(), ends.end(), r) - ends.begin());
}

// After select_rows: each output row is one sample.
inline void set_unit_repeat(dskit::Manifest& m) {
  const int col = m.find_column(dskit::column::repeat);
  if (col == dskit::Manifest::npos) return;
  for (std::size_t r = 0; r < m.size(); ++r) m.set_cell(r, static_cast<std::size_t>(col), "1");
}

}  // namespace dsmanifest::order
