// Summary statistics of a manifest: entries, bytes, the size distribution, per-label counts and duplicate
// contents (one hash at several paths).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dskit/manifest/manifest.h"

namespace dskit {

struct DuplicateGroup {
  std::string hash;
  uint64_t size = 0;               // of one copy
  std::vector<std::string> paths;  // escaped, sorted
};

struct ManifestStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  // Size percentiles (nearest rank): p0 (min), p10, p25, p50, p75, p90, p99, p100 (max).
  std::vector<std::pair<int, uint64_t>> size_percentiles;
  double mean_size = 0;
  std::vector<std::pair<std::string, uint64_t>> labels;  // escaped label -> entries, by label; empty if none
  bool has_labels = false;
  bool has_hash = false;
  std::vector<DuplicateGroup> duplicates;  // by wasted bytes (descending), then hash
  uint64_t duplicate_files = 0;            // files beyond the first copy of their content
  uint64_t duplicate_bytes = 0;            // bytes those extra copies take
};

ManifestStats manifest_stats(const Manifest& m);

}  // namespace dskit
