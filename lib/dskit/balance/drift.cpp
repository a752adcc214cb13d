#include "dskit/balance/drift.h"

#include "dskit/manifest/repeat.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace dskit {

double total_variation(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t i = 0; i < p.size() && i < q.size(); ++i) s += std::fabs(p[i] - q[i]);
  return s / 2;
}

double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t i = 0; i < p.size() && i < q.size(); ++i) {
    const double m = (p[i] + q[i]) / 2;
    if (p[i] > 0) s += p[i] * std::log(p[i] / m);
    if (q[i] > 0) s += q[i] * std::log(q[i] / m);
  }
  return s / 2;
}

std::optional<std::string> manifest_split_histograms(const Manifest& m, std::string_view column,
                                                     SplitHistograms& out) {
  const int col = m.find_column(column);
  if (col < 0) return "the manifest has no '" + std::string(column) + "' column";
  RepeatCounts repeat;  // each row counts repeat times (a resampled manifest)
  if (auto err = read_repeat_counts(m, "", repeat))
    return "line " + std::to_string(err->line) + ": " + err->message;
  std::map<std::string_view, std::map<std::string_view, uint64_t>> escaped;  // split -> label -> n
  std::vector<std::string_view> seen;                                        // splits, first-seen order
  for (std::size_t r = 0; r < m.size(); ++r) {
    const std::string_view s = m.cell(r, static_cast<std::size_t>(col));
    if (s.empty()) {
      out.unassigned += repeat.of(r);
      continue;
    }
    auto [it, added] = escaped.try_emplace(s);
    if (added) seen.push_back(s);
    it->second[m.label_escaped(r)] += repeat.of(r);
  }
  // train, val, test (dsmanifest split's default names, in its order), then the others as first seen.
  constexpr std::string_view kKnown[] = {"train", "val", "test"};
  const auto rank = [&](std::string_view s) {
    for (std::size_t i = 0; i < std::size(kKnown); ++i)
      if (s == kKnown[i]) return i;
    return std::size(kKnown);
  };
  std::stable_sort(seen.begin(), seen.end(),
                   [&](std::string_view a, std::string_view b) { return rank(a) < rank(b); });
  for (const std::string_view s : seen) {
    LabelHistogram h;
    for (const auto& [l, n] : escaped[s]) h.add(unescape_field(l), n);
    out.splits.emplace_back(unescape_field(s), std::move(h));
  }
  return std::nullopt;
}

DriftReport drift_report(const std::vector<std::pair<std::string, Distribution>>& splits,
                         std::optional<std::size_t> reference, const std::vector<std::string>& class_order) {
  DriftReport r;
  std::set<std::string> names;
  for (const auto& [_, d] : splits)
    for (const auto& c : d.classes) names.insert(c.name);
  for (const auto& c : class_order)
    if (names.erase(c)) r.classes.push_back(c);
  r.classes.insert(r.classes.end(), names.begin(), names.end());
  std::map<std::string_view, std::size_t> index;
  for (std::size_t c = 0; c < r.classes.size(); ++c) index.emplace(r.classes[c], c);
  if (splits.empty()) return r;

  std::size_t ref = reference && *reference < splits.size() ? *reference : 0;
  for (std::size_t i = 0; i < splits.size() && !reference; ++i)
    if (splits[i].first == "train") {
      ref = i;
      break;
    }
  std::vector<std::size_t> order{ref};
  for (std::size_t i = 0; i < splits.size(); ++i)
    if (i != ref) order.push_back(i);

  for (std::size_t i : order) {
    const auto& [name, d] = splits[i];
    SplitDrift s;
    s.name = name;
    s.counts.assign(r.classes.size(), 0);
    for (const auto& c : d.classes) s.counts[index.at(c.name)] += c.count;
    for (uint64_t n : s.counts) s.total += n;
    s.shares.assign(r.classes.size(), 0.0);
    for (std::size_t c = 0; c < r.classes.size(); ++c) {
      if (s.total) s.shares[c] = static_cast<double>(s.counts[c]) / static_cast<double>(s.total);
      if (s.counts[c] == 0) s.missing.push_back(r.classes[c]);
    }
    r.splits.push_back(std::move(s));
  }
  const SplitDrift& ref_split = r.splits.front();
  for (std::size_t i = 1; i < r.splits.size(); ++i) {
    SplitDrift& s = r.splits[i];
    s.tvd = total_variation(ref_split.shares, s.shares);
    s.jsd = jensen_shannon(ref_split.shares, s.shares);
    for (std::size_t c = 0; c < r.classes.size(); ++c)
      if (s.counts[c] > 0 && ref_split.counts[c] == 0) s.not_in_reference.push_back(r.classes[c]);
  }
  return r;
}

DriftMetrics drift_metrics(const DriftReport& r) {
  DriftMetrics m;
  m.present = true;
  for (std::size_t i = 1; i < r.splits.size(); ++i) {
    m.tvd = std::max(m.tvd, r.splits[i].tvd);
    m.jsd = std::max(m.jsd, r.splits[i].jsd);
  }
  std::set<std::string_view> missing;
  for (const auto& s : r.splits)
    for (const auto& c : s.missing) missing.insert(c);
  m.missing_classes = missing.size();
  return m;
}

}  // namespace dskit
