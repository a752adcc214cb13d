#include "dskit/balance/balance.h"

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "dskit/base/enum_names.h"
#include "dskit/manifest/labels.h"

namespace dskit {

namespace {

bool glob_match(const std::string& pattern, const std::string& s) {
  return ::fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}

std::string fmt_num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

void LabelHistogram::add(std::string_view label, uint64_t n) {
  const auto it = raw.find(label);
  if (it != raw.end())
    it->second += n;
  else
    raw.emplace(std::string(label), n);
}

std::optional<std::string> LabelRules::apply(std::string_view label) const {
  std::string l(label);
  for (const auto& [from, to] : map)
    if (from == l) {
      l = to;
      break;
    }
  if (l.empty()) return std::nullopt;
  for (const auto& [pat, dst] : merges)
    if (glob_match(pat, l)) {
      l = dst;
      break;
    }
  for (const auto& pat : drops)
    if (glob_match(pat, l)) return std::nullopt;
  return l;
}

std::optional<std::string> parse_merge(std::string_view spec, std::pair<std::string, std::string>& out) {
  const auto eq = spec.rfind('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
    return "invalid merge '" + std::string(spec) + "': expected SRC=DST";
  out = {std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1))};
  return std::nullopt;
}

std::optional<std::string> for_each_csv_record(
    const std::string& file, std::string_view text,
    const std::function<std::optional<std::string>(uint64_t line, const std::vector<std::string>& fields)>&
        fn) {
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  uint64_t line = 1;
  std::vector<std::string> f;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const uint64_t this_line = line;
    const bool ok = next_csv_record(text, pos, f);
    line += static_cast<uint64_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(start),
                                             text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
    if (!ok) return file + ":" + std::to_string(this_line) + ": unterminated quote";
    if (f.size() == 1 && f[0].empty()) continue;
    if (auto err = fn(this_line, f)) return err;
  }
  return std::nullopt;
}

std::optional<std::string> load_label_map(const std::string& file,
                                          std::vector<std::pair<std::string, std::string>>& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return file + ": " + std::strerror(errno);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  return for_each_csv_record(file, text, [&](uint64_t line, const std::vector<std::string>& f) {
    const std::string where = file + ":" + std::to_string(line) + ": ";
    if (f.size() != 2) return std::optional<std::string>(where + "expected two columns old,new");
    if (line == 1 && f[0] == "old" && f[1] == "new") return std::optional<std::string>();
    if (f[0].empty()) return std::optional<std::string>(where + "empty old label");
    out.emplace_back(f[0], f[1]);
    return std::optional<std::string>();
  });
}

std::size_t Distribution::find(std::string_view name) const {
  const auto it =
      std::find_if(classes.begin(), classes.end(), [&](const ClassCount& c) { return c.name == name; });
  return static_cast<std::size_t>(it - classes.begin());
}

std::vector<std::string> split_labels(std::string_view raw, std::string_view separator) {
  std::vector<std::string> out;
  auto push = [&](std::string_view part) {
    if (part.empty()) return;
    for (const auto& o : out)
      if (o == part) return;
    out.emplace_back(part);
  };
  if (separator.empty()) {
    push(raw);
    return out;
  }
  std::size_t start = 0;
  while (true) {
    const auto p = raw.find(separator, start);
    if (p == std::string_view::npos) {
      push(raw.substr(start));
      break;
    }
    push(raw.substr(start, p - start));
    start = p + separator.size();
  }
  return out;
}

Distribution count_classes(const LabelHistogram& h, const LabelRules& rules, std::string_view separator) {
  Distribution d;
  std::map<std::string, uint64_t> counts;
  std::set<std::string> seen;  // original labels seen (for unused-rule detection)
  for (const auto& c : h.declared) {
    seen.insert(c);
    if (auto m = rules.apply(c)) counts.emplace(*m, 0);
  }
  for (const auto& [raw, n] : h.raw) {
    const auto parts = split_labels(raw, separator);
    if (parts.empty()) {
      d.unlabelled += n;
      continue;
    }
    std::vector<std::string> mapped;
    for (const auto& p : parts) {
      seen.insert(p);
      if (auto m = rules.apply(p))
        if (std::find(mapped.begin(), mapped.end(), *m) == mapped.end()) mapped.push_back(std::move(*m));
    }
    if (mapped.empty()) {
      d.dropped += n;
      continue;
    }
    if (mapped.size() > 1) d.multi_label = true;
    d.entries += n;
    d.label_instances += n * mapped.size();
    for (const auto& m : mapped) counts[m] += n;
  }
  if (h.ordered)
    for (const auto& c : h.declared)
      if (auto m = rules.apply(c)) {
        const auto it = counts.find(*m);
        if (it == counts.end()) continue;  // placed already
        d.classes.push_back({it->first, it->second});
        counts.erase(it);
      }
  for (auto& [name, c] : counts) d.classes.push_back({name, c});
  for (const auto& [from, to] : rules.map)
    if (!seen.count(from)) d.unused_rules.push_back("--map " + from);
  for (const auto& [pat, dst] : rules.merges)  // (init-capture: clang 14 cannot capture a structured binding)
    if (std::none_of(seen.begin(), seen.end(), [&p = pat](const std::string& s) { return glob_match(p, s); }))
      d.unused_rules.push_back("--merge " + pat + "=" + dst);
  for (const auto& pat : rules.drops)
    if (std::none_of(seen.begin(), seen.end(), [&](const std::string& s) { return glob_match(pat, s); }))
      d.unused_rules.push_back("--drop " + pat);
  return d;
}

BalanceReport balance_report(const Distribution& d, const BandThresholds& bands) {
  BalanceReport r;
  r.classes = d.classes.size();
  if (r.classes == 0) return r;
  std::vector<double> x;
  uint64_t min_nonempty = 0;
  r.min_count = d.classes[0].count;
  for (const auto& c : d.classes) {
    r.total += c.count;
    r.min_count = std::min(r.min_count, c.count);
    r.max_count = std::max(r.max_count, c.count);
    if (c.count == 0) ++r.empty_classes;
    if (c.count > 0 && (min_nonempty == 0 || c.count < min_nonempty)) min_nonempty = c.count;
    Band& b = c.count > bands.many ? r.head : c.count < bands.few ? r.tail : r.middle;
    ++b.classes;
    b.samples += c.count;
    x.push_back(static_cast<double>(c.count));
  }
  if (r.total == 0) return r;
  const double total = static_cast<double>(r.total);
  const double k = static_cast<double>(r.classes);
  r.imbalance_ratio = static_cast<double>(r.max_count) / static_cast<double>(min_nonempty);
  for (double n : x)
    if (n > 0) r.entropy -= (n / total) * std::log(n / total);
  r.evenness = r.classes > 1 ? r.entropy / std::log(k) : 1.0;
  r.effective_classes = std::exp(r.entropy);
  std::sort(x.begin(), x.end());
  double weighted = 0;  // sum of i * x_(i), i from 1, ascending
  for (std::size_t i = 0; i < x.size(); ++i) weighted += static_cast<double>(i + 1) * x[i];
  r.gini = 2 * weighted / (k * total) - (k + 1) / k;
  if (r.gini < 0) r.gini = 0;
  double ir_sum = 0;
  std::size_t nonempty = 0;
  for (const auto& c : d.classes)
    if (c.count > 0) {
      ir_sum += static_cast<double>(r.max_count) / static_cast<double>(c.count);
      ++nonempty;
    }
  r.mean_ir = ir_sum / static_cast<double>(nonempty);
  r.label_cardinality =
      d.entries ? static_cast<double>(d.label_instances) / static_cast<double>(d.entries) : 0.0;
  return r;
}

constexpr EnumName<WeightMethod> kWeightMethods[] = {{WeightMethod::balanced, "balanced"},
                                                     {WeightMethod::inverse, "inverse"},
                                                     {WeightMethod::inverse_sqrt, "inverse-sqrt"},
                                                     {WeightMethod::effective, "effective"}};

std::optional<WeightMethod> parse_weight_method(std::string_view s) {
  return parse_enum(kWeightMethods, s);
}

std::string_view weight_method_name(WeightMethod m) {
  return enum_name(kWeightMethods, m);
}

std::vector<double> class_weights(const Distribution& d, WeightMethod m, double beta) {
  std::vector<double> w(d.classes.size(), 0.0);
  double total = 0, k = 0;
  for (const auto& c : d.classes)
    if (c.count) {
      total += static_cast<double>(c.count);
      k += 1;
    }
  if (k == 0) return w;
  double sum = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double n = static_cast<double>(d.classes[i].count);
    if (n == 0) continue;
    switch (m) {
      case WeightMethod::balanced:
        w[i] = total / (k * n);
        break;
      case WeightMethod::inverse:
        w[i] = 1.0 / n;
        break;
      case WeightMethod::inverse_sqrt:
        w[i] = 1.0 / std::sqrt(n);
        break;
      case WeightMethod::effective:
        w[i] = (1.0 - beta) / (1.0 - std::pow(beta, n));
        break;
    }
    sum += w[i];
  }
  if (m != WeightMethod::balanced && sum > 0)
    for (double& v : w) v *= k / sum;  // mean 1 over the non-empty classes == sum K
  return w;
}

std::vector<double> focal_alpha(const std::vector<double>& weights) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> a(weights.size(), 0.0);
  if (sum > 0)
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = weights[i] / sum;
  return a;
}

const std::vector<std::string_view>& gate_metric_names() {
  static const std::vector<std::string_view> names = {"imbalance_ratio",
                                                      "entropy",
                                                      "evenness",
                                                      "effective_classes",
                                                      "gini",
                                                      "min_count",
                                                      "max_count",
                                                      "total",
                                                      "classes",
                                                      "tvd",
                                                      "jsd",
                                                      "missing_classes",
                                                      "leaked"};
  return names;
}

bool is_drift_metric(std::string_view m) {
  return m == "tvd" || m == "jsd" || m == "missing_classes" || m == "leaked";
}

double gate_metric(const BalanceReport& r, const DriftMetrics& drift, std::string_view m) {
  if (m == "tvd") return drift.tvd;
  if (m == "jsd") return drift.jsd;
  if (m == "missing_classes") return static_cast<double>(drift.missing_classes);
  if (m == "leaked") return static_cast<double>(drift.leaked);
  if (m == "imbalance_ratio") return r.imbalance_ratio;
  if (m == "entropy") return r.entropy;
  if (m == "evenness") return r.evenness;
  if (m == "effective_classes") return r.effective_classes;
  if (m == "gini") return r.gini;
  if (m == "min_count") return static_cast<double>(r.min_count);
  if (m == "max_count") return static_cast<double>(r.max_count);
  if (m == "total") return static_cast<double>(r.total);
  if (m == "classes") return static_cast<double>(r.classes);
  return 0;
}

std::optional<std::string> parse_gate(std::string_view expr, Gate& out) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  const auto bad = [&](const std::string& why) { return "invalid gate '" + std::string(expr) + "': " + why; };
  const auto p = expr.find_first_of("<>=!");
  if (p == std::string_view::npos) return bad("expected METRIC OP VALUE, e.g. imbalance_ratio>50");
  std::size_t oplen = 1;
  if (p + 1 < expr.size() && expr[p + 1] == '=') oplen = 2;
  const std::string op(expr.substr(p, oplen));
  if (op != ">" && op != ">=" && op != "<" && op != "<=" && op != "==" && op != "!=")
    return bad("unknown operator '" + op + "' (use > >= < <= == !=)");
  const std::string metric(trim(expr.substr(0, p)));
  const auto& names = gate_metric_names();
  if (std::find(names.begin(), names.end(), metric) == names.end()) {
    std::string list;
    for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    return bad("unknown metric '" + metric + "' (one of " + list + ")");
  }
  const std::string_view num = trim(expr.substr(p + oplen));
  double v = 0;
  const auto r = std::from_chars(num.data(), num.data() + num.size(), v);
  if (num.empty() || r.ec != std::errc() || r.ptr != num.data() + num.size() || !std::isfinite(v))
    return bad("'" + std::string(num) + "' is not a number");
  out = {metric, op, v, std::string(expr)};
  return std::nullopt;
}

bool gate_trips(const Gate& g, const BalanceReport& r, const DriftMetrics& drift, std::string& reason) {
  if (is_drift_metric(g.metric) && !drift.present) return false;
  const double x = gate_metric(r, drift, g.metric);
  bool t = false;
  if (g.op == ">") t = x > g.value;
  if (g.op == ">=") t = x >= g.value;
  if (g.op == "<") t = x < g.value;
  if (g.op == "<=") t = x <= g.value;
  if (g.op == "==") t = x == g.value;
  if (g.op == "!=") t = x != g.value;
  if (t) reason = g.metric + " = " + fmt_num(x) + " " + g.op + " " + fmt_num(g.value);
  return t;
}

}  // namespace dskit
