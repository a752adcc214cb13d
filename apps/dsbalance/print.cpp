#include "print.h"

#include <fmt/format.h>

#include <algorithm>

#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "name_cell.h"

namespace dsbalance {

namespace {

std::string json_str(std::string_view s) {
  std::string out;
  dskit::append_json_string(out, s);
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

double share(uint64_t n, uint64_t total) {
  return total ? static_cast<double>(n) / static_cast<double>(total) : 0.0;
}

uint64_t total_of(const dskit::Distribution& d) {
  uint64_t t = 0;
  for (const auto& c : d.classes) t += c.count;
  return t;
}

}  // namespace

std::string table_text(const dskit::Distribution& d, const std::string& title, std::size_t name_max) {
  constexpr std::size_t kBar = 40;
  const uint64_t total = total_of(d);
  uint64_t widest = 0;
  for (const auto& c : d.classes) widest = std::max(widest, c.count);
  const std::size_t name_w = name_column_width(
      d.classes, [](const dskit::ClassCount& c) { return c.name; }, name_max);
  std::string out;
  if (!title.empty()) out += title + "\n";
  out += fmt::format("{}  {:>10}  {:>7}\n", name_cell("class", name_w), "count", "share");
  for (const auto& c : d.classes) {
    const std::size_t bar = widest ? static_cast<std::size_t>((static_cast<double>(c.count) * kBar +
                                                               static_cast<double>(widest) / 2) /
                                                              static_cast<double>(widest))
                                   : 0;
    out += fmt::format("{}  {:>10}  {:>6.2f}%  {}{}\n", name_cell(c.name, name_w), c.count,
                       100 * share(c.count, total), std::string(bar, '#'), c.count == 0 ? "(empty)" : "");
  }
  return out;
}

std::string report_text(const dskit::ReportInput& in, std::size_t name_max) {
  std::string out;
  if (in.before) out += table_text(*in.before, "before:", name_max) + "\n";
  out += table_text(*in.after, in.before ? "after:" : "", name_max);
  const auto& r = in.report;
  const auto& d = *in.after;
  out += "\n";
  out += fmt::format("{:<18} {}\n", "total", r.total);
  out += fmt::format("{:<18} {} ({} empty)\n", "classes", r.classes, r.empty_classes);
  out += fmt::format("{:<18} {}\n", "unlabelled", d.unlabelled);
  if (const auto* a = in.annotations) {
    out += fmt::format("{:<18} {} ({} unannotated", "images", a->images, a->unannotated);
    if (a->no_label_file) out += fmt::format(", {} without a label file", a->no_label_file);
    out += fmt::format("); {} instances counted, {} skipped, {} unknown class\n", a->instances, a->skipped,
                       a->unknown);
  }
  if (d.dropped) out += fmt::format("{:<18} {}\n", "dropped", d.dropped);
  out += fmt::format("{:<18} {} / {}\n", "min / max count", r.min_count, r.max_count);
  out += fmt::format("{:<18} {:.2f}{}\n", "imbalance_ratio", r.imbalance_ratio,
                     r.imbalance_ratio > 50 ? "  (above 50: severe)" : "");
  out += fmt::format("{:<18} {:.4f}\n", "entropy", r.entropy);
  out += fmt::format("{:<18} {:.4f}\n", "evenness", r.evenness);
  out += fmt::format("{:<18} {:.2f}\n", "effective_classes", r.effective_classes);
  out += fmt::format("{:<18} {:.4f}\n", "gini", r.gini);
  if (d.multi_label) {
    out += fmt::format("{:<18} {:.4f}\n", "label_cardinality", r.label_cardinality);
    out += fmt::format("{:<18} {:.4f}\n", "mean_ir", r.mean_ir);
  }
  out += fmt::format(
      "bands: >{}: {} classes, {} samples; {}-{}: {} classes, {} samples; <{}: {} classes, {} samples\n",
      in.bands.many, r.head.classes, r.head.samples, in.bands.few, in.bands.many, r.middle.classes,
      r.middle.samples, in.bands.few, r.tail.classes, r.tail.samples);
  if (const auto* wc = in.weighted) {
    out += fmt::format(
        "\nby weight (the weight column: each class's share of the draws of a sampler that samples "
        "by weight; {} rows at 0):\n",
        wc->zero_rows);
    const std::size_t name_w = name_column_width(
        d.classes, [](const dskit::ClassCount& c) { return c.name; }, name_max);
    out += fmt::format("{}  {:>12}  {:>7}\n", name_cell("class", name_w), "weight", "share");
    for (std::size_t i = 0; i < d.classes.size() && i < wc->per_class.size(); ++i)
      out += fmt::format("{}  {:>12.6g}  {:>6.2f}%\n", name_cell(d.classes[i].name, name_w), wc->per_class[i],
                         wc->total > 0 ? 100 * wc->per_class[i] / wc->total : 0.0);
  }
  if (in.splits) out += "\n" + drift_text(*in.splits, name_max);
  return out;
}

std::string report_csv(const dskit::Distribution& d) {
  const uint64_t total = total_of(d);
  std::string out = "class,count,share\n";
  for (const auto& c : d.classes)
    out += fmt::format("{},{},{:.6f}\n", csv_field(c.name), c.count, share(c.count, total));
  return out;
}

std::string class_to_idx_json(const std::vector<std::string>& classes) {
  std::string out;
  dskit::JsonWriter w(out);
  w.object();
  for (std::size_t i = 0; i < classes.size(); ++i) w.field(classes[i], i);
  w.end_object();
  return out + "\n";
}

std::string weights_json(const WeightsOut& w) {
  std::string out;
  dskit::JsonWriter j(out);
  j.object().field("method", dskit::weight_method_name(w.method));
  if (w.method == dskit::WeightMethod::effective) j.field("beta", w.beta);
  j.key("classes").array();
  for (const auto& c : w.dist->classes) j.value(c.name);
  j.end_array().key("weights").array();
  for (double v : w.weights) j.general(v, 8);
  j.end_array().key("focal_alpha").array();
  for (double v : w.alpha) j.general(v, 8);
  j.end_array().end_object();
  return out + "\n";
}

std::string weights_yaml(const WeightsOut& w) {
  std::string out = fmt::format("method: {}\n", dskit::weight_method_name(w.method));
  if (w.method == dskit::WeightMethod::effective) out += fmt::format("beta: {}\n", w.beta);
  out += "weights:\n";
  for (std::size_t i = 0; i < w.weights.size(); ++i)
    out += fmt::format("  {}: {:.8g}\n", json_str(w.dist->classes[i].name), w.weights[i]);
  out += "focal_alpha:\n";
  for (std::size_t i = 0; i < w.alpha.size(); ++i)
    out += fmt::format("  {}: {:.8g}\n", json_str(w.dist->classes[i].name), w.alpha[i]);
  return out;
}

std::string weights_torch(const WeightsOut& w) {
  std::string ws, as;
  for (std::size_t i = 0; i < w.weights.size(); ++i) {
    ws += fmt::format("{}{:.8g}", i ? ", " : "", w.weights[i]);
    as += fmt::format("{}{:.8g}", i ? ", " : "", w.alpha[i]);
  }
  return "weight = torch.tensor([" + ws +
         "])\n# focal-loss alpha (per class, sums to 1)\nalpha = torch.tensor([" + as + "])\n";
}

std::string resample_text(const dskit::ResampleResult& r, std::size_t name_max) {
  const std::size_t name_w = name_column_width(
      r.classes, [](const dskit::ResampleClass& c) { return c.name; }, name_max);
  std::string out = fmt::format("{}  {:>10}  {:>10}  {:>10}\n", name_cell("class", name_w), "before",
                                "requested", "achieved");
  for (const auto& c : r.classes)
    out += fmt::format("{}  {:>10}  {:>10}  {:>10}\n", name_cell(c.name, name_w), c.before, c.requested,
                       c.achieved);
  out += fmt::format("rows: {} -> {} ({} unlabelled kept, {} dropped)\n", r.rows_before, r.rows_after,
                     r.unlabelled_kept, r.dropped);
  return out;
}

std::string resample_json(const dskit::ResampleResult& r, uint64_t seed) {
  std::string out;
  dskit::JsonWriter w(out);
  w.object().key("classes").array();
  for (const auto& c : r.classes)
    w.object()
        .field("name", c.name)
        .field("before", c.before)
        .field("requested", c.requested)
        .field("achieved", c.achieved)
        .end_object();
  w.end_array().field("rows_before", r.rows_before).field("rows_after", r.rows_after);
  w.field("unlabelled_kept", r.unlabelled_kept).field("dropped", r.dropped).field("seed", seed).end_object();
  return out + "\n";
}

}  // namespace dsbalance
