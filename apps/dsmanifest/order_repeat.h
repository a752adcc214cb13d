// Shared by shuffle.cpp and shard.cpp: they order the manifest's *expanded* sequence (row i repeat_i times,
// dskit/manifest/repeat.h), print manifest row numbers with --indices, and write one row per sample with
// the repeat column set to 1 (so reading the output again does not expand it twice).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dskit/manifest/manifest.h"
#include "dskit/manifest/repeat.h"
#include "manifest_cli.h"

namespace dsmanifest::order {

// The expanded sequence of M as row indexes (empty when M has no repeat column: the identity); 0, or
// kExitUsage after printing the error of a bad repeat cell.
inline int expand_repeat(const dskit::Manifest& m, const std::string& file, uint64_t& n,
                         std::vector<std::size_t>& seq) {
  dskit::RepeatCounts rep;
  if (auto err = dskit::read_repeat_counts(m, file, rep)) {
    cli::error(dskit::describe(*err));
    return dskit::app::kExitUsage;
  }
  n = rep.total;
  seq.clear();
  if (rep.present()) seq = dskit::expanded_rows(m, rep);
  return dskit::app::kExitOk;
}

// Positions of the expanded sequence -> manifest rows.
inline void to_manifest_rows(const std::vector<std::size_t>& seq, std::vector<uint64_t>& rows) {
  if (seq.empty()) return;
  for (auto& r : rows) r = seq[r];
}

// After select_rows: each output row is one sample.
inline void set_unit_repeat(dskit::Manifest& m) {
  const int col = m.find_column(dskit::column::repeat);
  if (col == dskit::Manifest::npos) return;
  for (std::size_t r = 0; r < m.size(); ++r) m.set_cell(r, static_cast<std::size_t>(col), "1");
}

}  // namespace dsmanifest::order
