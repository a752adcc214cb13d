#include "dskit/manifest/stats.h"

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
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
    std::unordered_map<std::string_view, uint64_t> counts;
    for (std::size_t i = 0; i < m.size(); ++i) ++counts[m.label_escaped(i)];
    for (const auto& [l, n] : counts) s.labels.emplace_back(std::string(l), n);
    std::sort(s.labels.begin(), s.labels.end());
  }
  s.has_hash = m.hash_col() >= 0;
  if (s.has_hash) {
    // Rows sorted by hash (by its first 64 bits as a number, then the full text); a run of equal hashes
    // is a group of copies.
    auto key64 = [](std::string_view h) {
      uint64_t k = 0;
      for (std::size_t i = 0; i < 16 && i < h.size(); ++i) {
        const char c = h[i];
        k = k << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      }
      return k;
    };
    std::vector<std::pair<uint64_t, std::size_t>> keyed;
    keyed.reserve(m.size());
    for (std::size_t i = 0; i < m.size(); ++i)
      if (!m.hash_hex(i).empty()) keyed.emplace_back(key64(m.hash_hex(i)), i);
    tbb::parallel_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      const std::string_view ha = m.hash_hex(a.second), hb = m.hash_hex(b.second);
      return ha != hb ? ha < hb : a.second < b.second;
    });
    std::vector<std::size_t> rows(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) rows[i] = keyed[i].second;
    for (std::size_t i = 0; i < rows.size();) {
      std::size_t j = i + 1;
      while (j < rows.size() && m.hash_hex(rows[j]) == m.hash_hex(rows[i])) ++j;
      if (j - i >= 2) {
        DuplicateGroup g;
        g.hash = std::string(m.hash_hex(rows[i]));
        g.size = m.file_size(rows[i]);
        for (std::size_t k = i; k < j; ++k) g.paths.emplace_back(m.path_escaped(rows[k]));
        std::sort(g.paths.begin(), g.paths.end());
        s.duplicate_files += j - i - 1;
        s.duplicate_bytes += g.size * (j - i - 1);
        s.duplicates.push_back(std::move(g));
      }
      i = j;
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
