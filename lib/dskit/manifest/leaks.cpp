// Content shared across splits: group rows by hash cell, keep the groups that span several splits.
#include "dskit/manifest/leaks.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace dskit {

std::optional<std::string> find_leaks(const Manifest& m, std::string_view split_column, LeakReport& out) {
  out = LeakReport{};
  const int col = m.find_column(split_column);
  if (col == Manifest::npos) return "the manifest has no '" + std::string(split_column) + "' column";
  if (m.hash_col() < 0) return "the manifest has no hash column (built with --hash none?)";
  std::unordered_map<std::string_view, std::size_t> split_index;  // escaped name -> index in out.splits
  std::map<std::string_view, std::vector<std::size_t>> by_hash;   // hash cell -> rows, sorted by hash
  std::vector<std::size_t> split_of(m.size(), 0);
  for (std::size_t r = 0; r < m.size(); ++r) {
    const std::string_view s = m.cell(r, static_cast<std::size_t>(col));
    const std::string_view h = m.hash_hex(r);
    if (s.empty() || h.empty()) continue;
    auto [it, added] = split_index.try_emplace(s, out.splits.size());
    if (added) out.splits.emplace_back(s);
    split_of[r] = it->second;
    by_hash[h].push_back(r);
  }
  for (const auto& [h, rows] : by_hash) {
    std::vector<std::size_t> splits;
    for (std::size_t r : rows) splits.push_back(split_of[r]);
    std::sort(splits.begin(), splits.end());
    splits.erase(std::unique(splits.begin(), splits.end()), splits.end());
    if (splits.size() < 2) continue;
    LeakGroup g;
    g.hash = std::string(h);
    for (std::size_t s : splits) g.splits.push_back(out.splits[s]);
    g.rows = rows;
    out.leaked_files += rows.size();
    out.groups.push_back(std::move(g));
  }
  return std::nullopt;
}

}  // namespace dskit
