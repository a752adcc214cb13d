// The analysis behind dsbalance's report (counts, metrics, splits, gates) and its JSON document.
#include "dskit/balance/report.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "dskit/base/json.h"
#include "dskit/manifest/leaks.h"
#include "dskit/manifest/repeat.h"

namespace dskit {

namespace {

double share(uint64_t n, uint64_t total) {
  return total ? static_cast<double>(n) / static_cast<double>(total) : 0.0;
}

uint64_t total_of(const Distribution& d) {
  uint64_t t = 0;
  for (const auto& c : d.classes) t += c.count;
  return t;
}

// [{"name":..,"count":..,"share":0.123456}, ...]
void classes_json(JsonWriter& w, const Distribution& d, uint64_t total) {
  w.array();
  for (const auto& c : d.classes)
    w.object()
        .field("name", c.name)
        .field("count", c.count)
        .key("share")
        .fixed(share(c.count, total), 6)
        .end_object();
  w.end_array();
}

void names_json(JsonWriter& w, const std::vector<std::string>& v) {
  w.array();
  for (const auto& n : v) w.value(n);
  w.end_array();
}

void splits_json(JsonWriter& w, const SplitsReport& d) {
  const auto& r = d.report;
  w.object().field("by", d.by).field("reference", r.splits.empty() ? std::string() : r.splits.front().name);
  w.field("unassigned", d.unassigned).field("missing_classes", d.missing_classes).key("classes");
  names_json(w, r.classes);
  w.key("per_split").array();
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    const auto& s = r.splits[i];
    w.object().field("name", s.name);
    if (i < d.inputs.size()) w.field("input", d.inputs[i]);
    w.field("total", s.total).key("classes").array();
    for (std::size_t c = 0; c < r.classes.size(); ++c)
      w.object()
          .field("name", r.classes[c])
          .field("count", s.counts[c])
          .field("share", s.shares[c])
          .end_object();
    w.end_array().key("missing");
    names_json(w, s.missing);
    w.key("not_in_reference");
    names_json(w, s.not_in_reference);
    w.field("tvd", s.tvd).field("jsd", s.jsd).end_object();
  }
  w.end_array().end_object();
}

int metric_decimals(std::string_view m) {
  if (m == "imbalance_ratio" || m == "effective_classes") return 2;
  if (m == "entropy" || m == "evenness" || m == "gini" || m == "tvd") return 4;
  if (m == "jsd") return 6;
  return 0;  // counts
}

bool holds(double x, std::string_view op, double v) {
  if (op == ">") return x > v;
  if (op == ">=") return x >= v;
  if (op == "<") return x < v;
  if (op == "<=") return x <= v;
  if (op == "==") return x == v;
  if (op == "!=") return x != v;
  return false;
}

GateResult check(const Gate& g, std::string split, double raw) {
  GateResult r{g.text, std::move(split), g.metric, g.op, rounded_metric(g.metric, raw), g.value, true};
  r.passed = !holds(r.value, g.op, g.value);
  return r;
}

std::vector<GateResult> evaluate(const std::vector<Gate>& gates, const BalanceAnalysis& a,
                                 const DriftMetrics& whole_drift) {
  std::vector<GateResult> out;
  const auto& splits = a.splits.report.splits;
  for (const auto& g : gates) {
    if (g.metric == "leaked") {
      out.push_back(check(g, "", static_cast<double>(whole_drift.leaked)));
    } else if (g.metric == "tvd" || g.metric == "jsd") {
      for (std::size_t i = 1; i < splits.size(); ++i)
        out.push_back(check(g, splits[i].name, g.metric == "tvd" ? splits[i].tvd : splits[i].jsd));
    } else if (g.metric == "missing_classes") {
      for (const auto& s : splits) out.push_back(check(g, s.name, static_cast<double>(s.missing.size())));
    } else {
      out.push_back(check(g, "", gate_metric(a.report, whole_drift, g.metric)));
      for (const auto& [name, dist] : a.split_dists)
        out.push_back(check(g, name, gate_metric(balance_report(dist), whole_drift, g.metric)));
    }
  }
  return out;
}

// The weight column summed per class of out.after (see WeightedCounts).
std::optional<std::string> weighted_counts(const Manifest& m, const std::string& path,
                                           const LabelRules& rules, const std::string& separator,
                                           BalanceAnalysis& out) {
  RepeatCounts repeat;
  RowWeights w;
  if (auto err = read_repeat_counts(m, path, repeat)) return describe(*err);
  if (auto err = read_row_weights(m, path, repeat, w)) return describe(*err);
  if (!w.present) return std::nullopt;
  out.weighted = true;
  out.weights.per_class.assign(out.after.classes.size(), 0.0);
  out.weights.zero_rows = w.zero;
  std::unordered_map<std::string, std::size_t> index;  // class name -> position
  for (std::size_t i = 0; i < out.after.classes.size(); ++i) index.emplace(out.after.classes[i].name, i);
  for (std::size_t r = 0; r < m.size(); ++r) {
    const double mass = static_cast<double>(repeat.of(r)) * w.weights[r];
    if (mass == 0) continue;
    for (const auto& label : split_labels(m.label(r), separator))
      if (const auto l = rules.apply(label))
        if (const auto it = index.find(*l); it != index.end()) out.weights.per_class[it->second] += mass;
  }
  for (double v : out.weights.per_class) out.weights.total += v;
  return std::nullopt;
}

}  // namespace

std::string input_split_name(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.stem().string();
}

void add_histogram(LabelHistogram& into, const LabelHistogram& from) {
  for (const auto& [label, n] : from.raw) into.add(label, n);
  into.declared.insert(into.declared.end(), from.declared.begin(), from.declared.end());
  into.ordered = into.ordered || from.ordered;
}

void add_annotations(AnnotationResult& a, const AnnotationResult& b) {
  a.images += b.images;
  a.unannotated += b.unannotated;
  a.no_label_file += b.no_label_file;
  a.instances += b.instances;
  a.crowd += b.crowd;
  a.skipped += b.skipped;
  a.unknown += b.unknown;
}

ReportInput report_input(const BalanceAnalysis& a, const AnalysisOptions& o, ReportInput base) {
  base.after = &a.after;
  base.before = o.rules.empty() ? nullptr : &a.before;
  base.bands = o.bands;
  base.report = a.report;
  base.splits = a.has_splits ? &a.splits : nullptr;
  base.gates = &a.gates;
  base.weighted = a.weighted ? &a.weights : nullptr;
  return base;
}

double rounded_metric(std::string_view metric, double value) {
  const double scale = std::pow(10.0, metric_decimals(metric));
  return std::round(value * scale) / scale;
}

std::string gate_result_text(const GateResult& g) {
  return fmt::format("{}{} {:.{}f} {} {}", g.split.empty() ? "" : g.split + ": ", g.metric, g.value,
                     metric_decimals(g.metric), g.op, g.threshold);
}

std::optional<std::string> analyze_balance(const BalanceInputs& in, const AnalysisOptions& o,
                                           BalanceAnalysis& out) {
  out.before = count_classes(in.whole, {}, in.separator);
  out.after = count_classes(in.whole, o.rules, in.separator);
  out.report = balance_report(out.after, o.bands);
  std::vector<std::pair<std::string, LabelHistogram>> split_hists;
  if (!o.by.empty()) {
    if (!in.manifest) return "--by needs a manifest input";
    SplitHistograms sh;
    if (auto err = manifest_split_histograms(*in.manifest, o.by, sh)) return in.path + ": " + *err;
    split_hists = std::move(sh.splits);
    out.splits.by = o.by;
    out.splits.unassigned = sh.unassigned;
  }
  for (const auto& u : out.after.unused_rules) {
    if (u.rfind("--map ", 0) == 0)
      return o.map_file + ": unknown label '" + u.substr(6) + "' (no such class in the input)";
    out.warnings.push_back(u + " matches no class");
  }
  if (out.report.total == 0)
    return in.path + ": empty dataset (no labelled entries" +
           (o.rules.empty() ? "" : " after the label rules") + ")";
  if (o.by.empty() && !in.splits.empty()) {
    split_hists = in.splits;
    out.splits.by = "inputs";
    out.splits.inputs = in.split_inputs;
  }
  DriftMetrics drift;
  if (!split_hists.empty()) {
    out.has_splits = true;
    for (const auto& [name, h] : split_hists)
      out.split_dists.emplace_back(name, count_classes(h, o.rules, in.separator));
    std::vector<std::string> order;
    for (const auto& c : out.after.classes) order.push_back(c.name);
    out.splits.report =
        drift_report(out.split_dists, o.by.empty() ? std::optional<std::size_t>(0) : std::nullopt, order);
    // The split distributions in the report's order (the reference first).
    std::vector<std::pair<std::string, Distribution>> ordered;
    for (const auto& s : out.splits.report.splits)
      for (auto& d : out.split_dists)
        if (d.first == s.name) {
          ordered.push_back(std::move(d));
          break;
        }
    out.split_dists = std::move(ordered);
    drift = drift_metrics(out.splits.report);
    out.splits.missing_classes = drift.missing_classes;
    LeakReport leaks;  // content shared across splits: the `leaked` gate (needs a hash column)
    if (!o.by.empty() && !find_leaks(*in.manifest, o.by, leaks)) {
      drift.leaks_known = true;
      drift.leaked = leaks.leaked_files;
    }
    std::string joined;
    for (const auto& s : out.splits.report.splits) {
      if (s.missing.empty()) continue;
      joined.clear();
      for (const auto& c : s.missing) joined += (joined.empty() ? "" : ", ") + c;
      out.warnings.push_back(s.name + ": no entry of class" + (s.missing.size() > 1 ? "es " : " ") + joined);
    }
  }
  for (const auto& g : o.gates)
    if (g.metric == "leaked" && !drift.leaks_known)
      return in.path + ": the 'leaked' gate needs --by and a manifest with a hash column";
  if (in.manifest)
    if (auto err = weighted_counts(*in.manifest, in.path, o.rules, in.separator, out)) return err;
  out.gates = evaluate(o.gates, out, drift);
  return std::nullopt;
}

std::string report_json(const ReportInput& in) {
  const auto& r = in.report;
  const auto& d = *in.after;
  std::string out;
  JsonWriter w(out);
  w.object().field("input", in.input).field("format", in.format).key("classes");
  classes_json(w, d, r.total);
  w.field("total", r.total).field("entries", d.entries).field("unlabelled", d.unlabelled);
  w.field("dropped", d.dropped).field("num_classes", r.classes).key("empty_classes").array();
  for (const auto& c : d.classes)
    if (c.count == 0) w.value(c.name);
  w.end_array().field("min_count", r.min_count).field("max_count", r.max_count);
  w.field("imbalance_ratio", r.imbalance_ratio).field("entropy", r.entropy).field("evenness", r.evenness);
  w.field("effective_classes", r.effective_classes).field("gini", r.gini).field("multi_label", d.multi_label);
  w.field("label_cardinality", r.label_cardinality).field("mean_ir", r.mean_ir);
  const auto band = [&](const char* name, const auto& b) {
    w.key(name).object().field("classes", b.classes).field("samples", b.samples).end_object();
  };
  w.key("bands").object().field("many", in.bands.many).field("few", in.bands.few);
  band("head", r.head);
  band("middle", r.middle);
  band("tail", r.tail);
  w.end_object();
  if (in.before) {
    w.key("before").object().key("classes");
    classes_json(w, *in.before, total_of(*in.before));
    w.field("total", total_of(*in.before)).end_object();
  }
  if (const auto* a = in.annotations) {
    w.key("annotations").object().field("unit", in.unit).field("images", a->images);
    w.field("unannotated_images", a->unannotated).field("no_label_file", a->no_label_file);
    w.field("instances", a->instances).field("crowd", a->crowd).field("skipped", a->skipped);
    w.field("unknown", a->unknown).end_object();
  }
  if (in.splits) {
    w.key("splits");
    splits_json(w, *in.splits);
  }
  if (const auto* wc = in.weighted) {
    w.key("weighted").object().field("column", "weight").field("total", wc->total);
    w.field("zero_rows", wc->zero_rows).key("classes").array();
    for (std::size_t i = 0; i < d.classes.size() && i < wc->per_class.size(); ++i)
      w.object()
          .field("name", d.classes[i].name)
          .field("weight", wc->per_class[i])
          .key("share")
          .fixed(wc->total > 0 ? wc->per_class[i] / wc->total : 0.0, 6)
          .end_object();
    w.end_array().end_object();
  }
  if (in.gates && !in.gates->empty()) {
    w.key("gates").array();
    for (const auto& g : *in.gates) {
      w.object().field("expr", g.expr).key("split");
      if (g.split.empty())
        w.null();
      else
        w.value(g.split);
      w.field("value", g.value).field("passed", g.passed).end_object();
    }
    w.end_array();
  }
  w.field("errors", in.errors).end_object();
  return out + "\n";
}

}  // namespace dskit
