#include "dskit/order/split.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

namespace dskit {

namespace {

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t b = 0;;) {
    const std::size_t e = s.find(',', b);
    out.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) return out;
    b = e + 1;
  }
}

bool parse_ratio(std::string_view t, double& v) {
  if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.')) return false;
  for (char c : t)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '-' ||
          c == '+'))
      return false;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return ec == std::errc() && p == t.data() + t.size() && std::isfinite(v) && v >= 0;
}

}  // namespace

std::optional<std::string> parse_split_spec(std::string_view ratios, std::string_view names, SplitSpec& out) {
  out = {};
  double sum = 0;
  for (std::string_view t : split_commas(ratios)) {
    double v = 0;
    if (!parse_ratio(t, v)) return "bad ratio '" + std::string(t) + "' in --ratios (want e.g. 0.8,0.1,0.1)";
    sum += v;
    out.cumulative.push_back(sum);
  }
  if (out.cumulative.size() < 2) return "--ratios needs at least two ratios";
  if (std::fabs(sum - 1.0) > 1e-6) return "--ratios must sum to 1 (they sum to " + std::to_string(sum) + ")";
  const std::size_t k = out.cumulative.size();
  if (names.empty()) {
    if (k == 2)
      out.names = {"train", "val"};
    else if (k == 3)
      out.names = {"train", "val", "test"};
    else
      for (std::size_t i = 0; i < k; ++i) out.names.push_back("split" + std::to_string(i));
  } else {
    for (std::string_view t : split_commas(names)) out.names.emplace_back(t);
  }
  if (out.names.size() != k)
    return "--names gives " + std::to_string(out.names.size()) + " names for " + std::to_string(k) +
           " ratios";
  for (std::size_t i = 0; i < k; ++i) {
    const std::string& n = out.names[i];
    if (n.empty() || n == "." || n == ".." ||
        n.find_first_of(std::string_view("/\t\n\r\0\\", 6)) != std::string::npos)
      return "bad split name '" + n + "'";
    for (std::size_t j = 0; j < i; ++j)
      if (out.names[j] == n) return "split name '" + n + "' given twice";
  }
  return std::nullopt;
}

uint64_t group_hash(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

std::size_t split_of(const SplitSpec& s, double u) {
  for (std::size_t i = 0; i + 1 < s.cumulative.size(); ++i)
    if (u < s.cumulative[i]) return i;
  return s.cumulative.size() - 1;
}

std::optional<std::string> GroupKeyer::compile(const std::string& pattern, std::unique_ptr<GroupKeyer>& out) {
  std::unique_ptr<GroupKeyer> k(new GroupKeyer);
  if (const int rc = regcomp(&k->re_, pattern.c_str(), REG_EXTENDED); rc != 0) {
    char msg[256];
    regerror(rc, &k->re_, msg, sizeof msg);
    return "bad --group-regex '" + pattern + "': " + msg;
  }
  k->compiled_ = true;
  k->has_group_ = k->re_.re_nsub > 0;
  out = std::move(k);
  return std::nullopt;
}

GroupKeyer::~GroupKeyer() {
  if (compiled_) regfree(&re_);
}

std::string GroupKeyer::key(const std::string& path, bool* matched) const {
  regmatch_t m[2];
  const bool hit = regexec(&re_, path.c_str(), 2, m, 0) == 0;
  if (matched) *matched = hit;
  if (!hit) return path;
  const regmatch_t& g = has_group_ && m[1].rm_so >= 0 ? m[1] : m[0];
  return path.substr(static_cast<std::size_t>(g.rm_so), static_cast<std::size_t>(g.rm_eo - g.rm_so));
}

std::vector<uint32_t> assign_splits(const SplitSpec& s, std::span<const std::string> keys,
                                    std::span<const std::string> labels, bool stratify) {
  std::vector<uint32_t> out(keys.size());
  if (!stratify) {
    for (std::size_t i = 0; i < keys.size(); ++i)
      out[i] = static_cast<uint32_t>(split_of(s, unit_interval(group_hash(keys[i]))));
    return out;
  }
  // Groups, with their label counts.
  struct Group {
    std::string_view key;
    uint64_t hash = 0;
    std::map<std::string_view, uint64_t> counts;
    uint32_t split = 0;
  };
  std::unordered_map<std::string_view, std::size_t> index;
  std::vector<Group> groups;
  std::vector<std::size_t> row_group(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto [it, fresh] = index.try_emplace(keys[i], groups.size());
    if (fresh) groups.push_back({keys[i], group_hash(keys[i]), {}, 0});
    row_group[i] = it->second;
    ++groups[it->second].counts[i < labels.size() ? std::string_view(labels[i]) : std::string_view()];
  }
  // Strata: most common label, ties to the bytewise smallest (std::map iterates in byte order).
  std::map<std::string_view, std::vector<std::size_t>> strata;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::string_view best;
    uint64_t most = 0;
    for (const auto& [label, c] : groups[g].counts)
      if (c > most) most = c, best = label;
    strata[best].push_back(g);
  }
  for (auto& [label, members] : strata) {
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return groups[a].hash != groups[b].hash ? groups[a].hash < groups[b].hash
                                              : groups[a].key < groups[b].key;
    });
    const double m = static_cast<double>(members.size());
    for (std::size_t j = 0; j < members.size(); ++j)
      groups[members[j]].split = static_cast<uint32_t>(split_of(s, (static_cast<double>(j) + 0.5) / m));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) out[i] = groups[row_group[i]].split;
  return out;
}

}  // namespace dskit
