#include "dskit/balance/resample.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>

namespace dskit {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a of the class name, so each class has its own stream whatever the other classes are.
uint64_t name_hash(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// A uniform value in [0, n) by rejection (no modulo bias), n > 0.
uint64_t bounded(uint64_t& state, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = splitmix64(state);
  while (x >= limit);
  return x % n;
}

// The first k positions of a seeded Fisher-Yates shuffle of [0, n).
std::vector<std::size_t> choose(std::size_t n, std::size_t k, uint64_t seed, const std::string& name) {
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  uint64_t state = seed ^ name_hash(name);
  for (std::size_t i = 0; i < k && i + 1 < n; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(bounded(state, n - i));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace

std::optional<std::string> resample_manifest(Manifest& m, const LabelRules& rules, const ResampleOptions& o,
                                             ResampleResult& out) {
  if (!o.max_per_class && o.max_ratio <= 0 && !o.target)
    return "resampling needs --max-per-class, --max-ratio or --target";
  if (o.target && (o.max_per_class || o.max_ratio > 0))
    return "--target cannot be combined with --max-per-class or --max-ratio";
  if (o.max_ratio != 0 && o.max_ratio < 1) return "--max-ratio must be at least 1";
  out = {};
  out.rows_before = m.size();
  // Rows of each class after the rules; unlabelled rows are kept once, dropped rows left out.
  std::map<std::string, std::vector<std::size_t>> rows_of;
  std::vector<std::size_t> unlabelled;
  std::vector<std::string> mapped_label(m.size());
  for (std::size_t r = 0; r < m.size(); ++r) {
    const auto parts = split_labels(m.label(r), o.separator);
    if (parts.empty()) {
      unlabelled.push_back(r);
      continue;
    }
    if (parts.size() > 1)
      return fmt::format("row {} ({}) has {} labels: resampling needs one label per row", r + 1, m.path(r),
                         parts.size());
    auto l = rules.apply(parts[0]);
    if (!l) {
      ++out.dropped;
      continue;
    }
    rows_of[*l].push_back(r);
    mapped_label[r] = std::move(*l);
  }
  uint64_t smallest = 0;
  for (const auto& [name, rows] : rows_of)
    if (!smallest || rows.size() < smallest) smallest = rows.size();
  std::vector<std::size_t> keep;
  std::vector<uint64_t> repeat(m.size(), 1);
  for (const auto& [name, rows] : rows_of) {
    const uint64_t n = rows.size();
    uint64_t t = n;
    if (o.max_ratio > 0)
      t = std::min<uint64_t>(t,
                             static_cast<uint64_t>(std::floor(o.max_ratio * static_cast<double>(smallest))));
    if (o.max_per_class) t = std::min(t, o.max_per_class);
    if (o.target) t = o.target;
    ResampleClass rc{name, n, t, 0};
    if (t <= n) {
      for (std::size_t i : choose(n, t, o.seed, name)) keep.push_back(rows[i]);
      rc.achieved = t;
    } else {
      const uint64_t base = t / n, extra = t % n;
      for (std::size_t r : rows) repeat[r] = base;
      for (std::size_t i : choose(n, extra, o.seed, name)) ++repeat[rows[i]];
      keep.insert(keep.end(), rows.begin(), rows.end());
      for (std::size_t r : rows) rc.achieved += repeat[r];
    }
    out.classes.push_back(std::move(rc));
  }
  keep.insert(keep.end(), unlabelled.begin(), unlabelled.end());
  out.unlabelled_kept = unlabelled.size();
  std::sort(keep.begin(), keep.end());
  if (m.label_col() >= 0 && !rules.empty())
    for (std::size_t r : keep)
      if (!mapped_label[r].empty())
        m.set_cell_raw(r, static_cast<std::size_t>(m.label_col()), mapped_label[r]);
  const auto rep_col = static_cast<std::size_t>(m.add_column("repeat"));
  for (std::size_t r : keep) m.set_cell_uint(r, rep_col, repeat[r]);
  m.select_rows(keep);
  m.compact();
  out.rows_after = m.size();
  return std::nullopt;
}

void add_sample_weights(Manifest& m, const LabelRules& rules, const Distribution& d,
                        const std::vector<double>& weights, const std::string& separator) {
  const auto col = static_cast<std::size_t>(m.add_column("weight"));
  std::unordered_map<std::string_view, std::size_t> index;  // class name -> position in d
  for (std::size_t i = 0; i < d.classes.size(); ++i) index.emplace(d.classes[i].name, i);
  for (std::size_t r = 0; r < m.size(); ++r) {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& p : split_labels(m.label(r), separator)) {
      const auto l = rules.apply(p);
      if (!l) continue;
      const auto it = index.find(*l);
      if (it != index.end() && it->second < weights.size()) {
        sum += weights[it->second];
        ++n;
      }
    }
    m.set_cell(r, col, fmt::format("{:.6g}", n ? sum / static_cast<double>(n) : 0.0));
  }
  m.compact();
}

}  // namespace dskit
