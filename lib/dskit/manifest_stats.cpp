#include "dskit/manifest_stats.h"

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace dskit {

ManifestStats manifest_stats(const Manifest& m) {
  ManifestStats s;
  s.entries = m.size();
  std::vector<uint64_t> sizes(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    sizes[i] = m.file_size(i);
    s.bytes += sizes[i];
  }
  if (!sizes.empty()) {
    tbb::parallel_sort(sizes.begin(), sizes.end());
    for (int p : {0, 10, 25, 50, 75, 90, 99, 100}) {
      // Nearest rank: the smallest value with at least p% of the entries at or below it.
      std::size_t rank = (static_cast<std::size_t>(p) * sizes.size() + 99) / 100;
      rank = std::clamp<std::size_t>(rank, 1, sizes.size());
      s.size_percentiles.emplace_back(p, sizes[rank - 1]);
    }
    s.mean_size = static_cast<double>(s.bytes) / static_cast<double>(sizes.size());
  }
  s.has_labels = m.label_col() >= 0;
  if (s.has_labels) {
    std::map<std::string_view, uint64_t> counts;
    for (std::size_t i = 0; i < m.size(); ++i) ++counts[m.label_escaped(i)];
    for (const auto& [l, n] : counts) s.labels.emplace_back(std::string(l), n);
  }
  s.has_hash = m.hash_col() >= 0;
  if (s.has_hash) {
    std::unordered_map<std::string_view, std::vector<std::size_t>> groups;
    groups.reserve(m.size() * 2);
    for (std::size_t i = 0; i < m.size(); ++i)
      if (!m.hash_hex(i).empty()) groups[m.hash_hex(i)].push_back(i);
    for (auto& [h, rows] : groups) {
      if (rows.size() < 2) continue;
      DuplicateGroup g;
      g.hash = std::string(h);
      g.size = m.file_size(rows[0]);
      for (std::size_t r : rows) g.paths.emplace_back(m.path_escaped(r));
      std::sort(g.paths.begin(), g.paths.end());
      s.duplicate_files += rows.size() - 1;
      s.duplicate_bytes += g.size * (rows.size() - 1);
      s.duplicates.push_back(std::move(g));
    }
    std::sort(s.duplicates.begin(), s.duplicates.end(), [](const DuplicateGroup& a, const DuplicateGroup& b) {
      const uint64_t wa = a.size * (a.paths.size() - 1), wb = b.size * (b.paths.size() - 1);
      if (wa != wb) return wa > wb;
      return a.hash < b.hash;
    });
  }
  return s;
}

}  // namespace dskit
