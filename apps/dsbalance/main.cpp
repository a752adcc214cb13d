// dsbalance: class balance of a dataset (manifest, ImageFolder tree or CSV label file): counts, imbalance
// metrics, label merging, loss weights, resampling into a new manifest, and CI gates.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/tool.h"
#include "dskit/balance.h"
#include "dskit/balance_drift.h"
#include "dskit/balance_input.h"
#include "dskit/balance_plot.h"
#include "dskit/balance_resample.h"
#include "dskit/manifest.h"
#include "print.h"
#include "print_drift.h"

namespace {

using namespace dskit;

constexpr int kExitGate = 3;

struct DsbalanceOptions {
  std::string input;
  std::string format;              // empty: detect
  std::string unit = "instances";  // COCO, YOLO, VOC: instances or images
  bool no_crowd = false, include_difficult = false;
  std::string id_column = "id", label_column = "label", separator = "|";
  bool json = false, csv = false, class_to_idx = false;
  std::vector<std::string> merges, drops;
  std::string map_file;
  uint64_t band_many = 100, band_few = 20;
  std::string weights;
  std::string weights_format = "all";
  double beta = 0.9999;
  bool sample_weights = false, resample = false;
  uint64_t max_per_class = 0, target = 0, seed = 0;
  double max_ratio = 0;
  std::string output;
  std::vector<std::string> gates;
  unsigned threads = 0;
  std::string second_input;  // dsbalance TRAIN VAL: the drift of VAL against TRAIN
  std::string by;            // --by COLUMN: the drift between a manifest's splits
  std::string plot, plot_scale = "linear";
};

// What run() reads from one input when asked for nothing else (the two-input form reads the second so).
struct Loaded {
  LabelHistogram hist;
  std::string separator;
};

// A split's name in the two-input form: the input's file stem (or directory name).
std::string input_stem(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.stem().string();
}

void error(std::string_view msg) {
  app::print_error("dsbalance", msg);
}

void emit(const std::string& s, bool to_stderr = false) {
  std::fwrite(s.data(), 1, s.size(), to_stderr ? stderr : stdout);
}

int run(const DsbalanceOptions& o, Loaded* load_only = nullptr) {
  // ---- Validate the flags.
  LabelRules rules;
  for (const auto& m : o.merges) {
    std::pair<std::string, std::string> p;
    if (auto err = parse_merge(m, p)) return error(*err), app::kExitUsage;
    rules.merges.push_back(std::move(p));
  }
  rules.drops = o.drops;
  if (!o.map_file.empty())
    if (auto err = load_label_map(o.map_file, rules.map)) return error(*err), app::kExitUsage;
  std::vector<Gate> gates;
  for (const auto& g : o.gates) {
    Gate gate;
    if (auto err = parse_gate(g, gate)) return error(*err), app::kExitUsage;
    gates.push_back(gate);
  }
  WeightMethod method = WeightMethod::balanced;
  if (!o.weights.empty()) {
    auto m = parse_weight_method(o.weights);
    if (!m)
      return error("unknown --weights method '" + o.weights +
                   "' (balanced, inverse, inverse-sqrt, effective)"),
             app::kExitUsage;
    method = *m;
  }
  if (o.beta <= 0 || o.beta >= 1) return error("--beta must be in (0, 1)"), app::kExitUsage;
  if (o.weights_format != "all" && o.weights_format != "json" && o.weights_format != "yaml" &&
      o.weights_format != "torch")
    return error("--weights-format must be json, yaml, torch or all"), app::kExitUsage;
  if (o.band_few > o.band_many) return error("--few must not exceed --many"), app::kExitUsage;
  if ((o.resample || o.sample_weights) && o.output.empty())
    return error("--resample and --sample-weights need -o OUT"), app::kExitUsage;
  if (o.resample && o.sample_weights)
    return error("use --resample or --sample-weights, not both"), app::kExitUsage;
  if (!o.resample && (o.max_per_class || o.max_ratio > 0 || o.target))
    return error("--max-per-class, --max-ratio and --target need --resample"), app::kExitUsage;
  const auto plot_scale = parse_plot_scale(o.plot_scale);
  if (!plot_scale) return error("--plot-scale must be linear or log"), app::kExitUsage;
  if (!o.by.empty() && !o.second_input.empty())
    return error("use --by COLUMN or a second input, not both"), app::kExitUsage;

  BalanceFormat fmt_kind;
  if (!o.format.empty()) {
    auto f = parse_balance_format(o.format);
    if (!f)
      return error("unknown --format '" + o.format + "' (manifest, imagefolder, csv, coco, yolo, voc)"),
             app::kExitUsage;
    fmt_kind = *f;
  } else if (auto err = detect_balance_format(o.input, fmt_kind)) {
    return error(*err), app::kExitUsage;
  }
  if ((o.resample || o.sample_weights) && fmt_kind != BalanceFormat::manifest)
    return error("--resample and --sample-weights need a manifest input"), app::kExitUsage;
  if (o.class_to_idx && fmt_kind != BalanceFormat::imagefolder)
    return error("--class-to-idx needs an ImageFolder directory"), app::kExitUsage;

  AnnotationOptions ao;
  if (auto u = parse_count_unit(o.unit))
    ao.unit = *u;
  else
    return error("unknown --unit '" + o.unit + "' (instances, images)"), app::kExitUsage;
  ao.crowd = !o.no_crowd;
  ao.include_difficult = o.include_difficult;

  // ---- Read the input.
  LabelHistogram hist;
  AnnotationResult annotations;
  std::string separator = o.separator;
  uint64_t input_errors = 0;
  Manifest manifest;
  switch (fmt_kind) {
    case BalanceFormat::manifest: {
      if (auto err = load_manifest(o.input, {}, manifest)) return error(describe(*err)), app::kExitUsage;
      if (manifest.label_col() < 0)
        return error(o.input + ": the manifest has no label column"), app::kExitUsage;
      hist = manifest_histogram(manifest);
      break;
    }
    case BalanceFormat::imagefolder: {
      ImageFolderResult r;
      if (auto err = imagefolder_histogram(o.input, o.threads, r)) return error(*err), app::kExitUsage;
      for (const auto& e : r.errors) error(describe(e));
      input_errors = r.errors.size();
      if (o.class_to_idx) {
        emit(dsbalance::class_to_idx_json(r.histogram.declared));
        return input_errors ? app::kExitPartial : app::kExitOk;
      }
      hist = std::move(r.histogram);
      separator.clear();
      break;
    }
    case BalanceFormat::csv: {
      CsvLabelOptions co;
      co.id_column = o.id_column;
      co.label_column = o.label_column;
      if (auto err = csv_histogram(o.input, co, hist)) return error(*err), app::kExitUsage;
      break;
    }
    case BalanceFormat::coco:
    case BalanceFormat::yolo:
    case BalanceFormat::voc: {
      if (auto err = annotation_histogram(fmt_kind, o.input, ao, annotations))
        return error(*err), app::kExitUsage;
      for (const auto& w : annotations.warnings) error("warning: " + w);
      hist = std::move(annotations.histogram);
      separator.clear();
      break;
    }
  }

  if (load_only) {
    *load_only = {std::move(hist), separator};
    return app::kExitOk;
  }
  // ---- Splits: a manifest column (--by) or a second input; the report covers them all.
  std::vector<std::pair<std::string, Loaded>> split_inputs;
  dsbalance::DriftOut drift;
  if (!o.by.empty()) {
    if (fmt_kind != BalanceFormat::manifest) return error("--by needs a manifest input"), app::kExitUsage;
    SplitHistograms sh;
    if (auto err = manifest_split_histograms(manifest, o.by, sh))
      return error(o.input + ": " + *err), app::kExitUsage;
    for (auto& [name, h] : sh.splits) split_inputs.push_back({name, {std::move(h), separator}});
    drift.by = o.by;
    drift.unassigned = sh.unassigned;
  } else if (!o.second_input.empty()) {
    DsbalanceOptions o2 = o;
    o2.input = o.second_input;
    o2.format.clear();
    o2.second_input.clear();
    Loaded second;
    if (int rc = run(o2, &second); rc != app::kExitOk) return rc;
    split_inputs.push_back({input_stem(o.input), {hist, separator}});
    for (const auto& [label, n] : second.hist.raw) hist.add(label, n);
    hist.declared.insert(hist.declared.end(), second.hist.declared.begin(), second.hist.declared.end());
    split_inputs.push_back({input_stem(o.second_input), std::move(second)});
    if (split_inputs[1].first == split_inputs[0].first) split_inputs[1].first += "#2";
    drift.by = "inputs";
    drift.inputs = {o.input, o.second_input};
  }

  const Distribution before = count_classes(hist, {}, separator);
  const Distribution after = count_classes(hist, rules, separator);
  for (const auto& u : after.unused_rules) {
    if (u.rfind("--map ", 0) == 0)
      return error(o.map_file + ": unknown label '" + u.substr(6) + "' (no such class in the input)"),
             app::kExitUsage;
    error("warning: " + u + " matches no class");
  }
  dsbalance::ReportInput ri;
  ri.input = o.input;
  ri.format = std::string(balance_format_name(fmt_kind));
  ri.after = &after;
  if (!rules.empty()) ri.before = &before;
  ri.bands = {o.band_many, o.band_few};
  ri.report = balance_report(after, ri.bands);
  ri.errors = input_errors;
  if (fmt_kind == BalanceFormat::coco || fmt_kind == BalanceFormat::yolo || fmt_kind == BalanceFormat::voc) {
    ri.annotations = &annotations;
    ri.unit = o.unit;
  }
  if (ri.report.total == 0)
    return error(o.input + ": empty dataset (no labelled entries" +
                 (rules.empty() ? "" : " after the label rules") + ")"),
           app::kExitUsage;

  if (!split_inputs.empty()) {
    std::vector<std::pair<std::string, Distribution>> dists;
    for (const auto& [name, l] : split_inputs)
      dists.emplace_back(name, count_classes(l.hist, rules, l.separator));
    drift.report = drift_report(dists, o.second_input.empty() ? std::nullopt : std::optional<std::size_t>(0));
    for (const auto& w : dsbalance::drift_warnings(drift)) error("warning: " + w);
    ri.drift = &drift;
  }
  if (!o.plot.empty())
    if (auto err = write_balance_plot(after, o.plot, {*plot_scale, o.input}))
      return error(*err), app::kExitUsage;

  // ---- Act.
  if (o.resample) {
    ResampleOptions ro;
    ro.max_per_class = o.max_per_class;
    ro.max_ratio = o.max_ratio;
    ro.target = o.target;
    ro.seed = o.seed;
    ro.separator = separator;
    ResampleResult rr;
    if (auto err = resample_manifest(manifest, rules, ro, rr)) return error(*err), app::kExitUsage;
    if (auto err = write_manifest(manifest, o.output)) return error(describe(*err)), app::kExitUsage;
    emit(o.json ? dsbalance::resample_json(rr, o.seed) : dsbalance::resample_text(rr), o.output == "-");
  } else if (o.sample_weights) {
    add_sample_weights(manifest, rules, after, class_weights(after, method, o.beta), separator);
    if (auto err = write_manifest(manifest, o.output)) return error(describe(*err)), app::kExitUsage;
  } else if (!o.weights.empty()) {
    dsbalance::WeightsOut w{method, o.beta, &after, class_weights(after, method, o.beta), {}};
    w.alpha = focal_alpha(w.weights);
    const bool all = o.weights_format == "all";
    if (all) emit("# JSON\n");
    if (all || o.weights_format == "json") emit(dsbalance::weights_json(w));
    if (all) emit("# YAML\n");
    if (all || o.weights_format == "yaml") emit(dsbalance::weights_yaml(w));
    if (all) emit("# PyTorch\n");
    if (all || o.weights_format == "torch") emit(dsbalance::weights_torch(w));
  } else if (o.json) {
    emit(dsbalance::report_json(ri));
  } else if (o.csv) {
    emit(dsbalance::report_csv(after));
  } else {
    emit(dsbalance::report_text(ri));
  }
  std::fflush(stdout);

  // ---- Gates.
  bool tripped = false;
  for (const auto& g : gates) {
    std::string reason;
    if (gate_trips(g, ri.report, reason)) {
      error("gate tripped: " + g.text + " (" + reason + ")");
      tripped = true;
    }
  }
  if (tripped) return kExitGate;
  return input_errors ? app::kExitPartial : app::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  app::init_process();
  DsbalanceOptions o;
  CLI::App cli{"dsbalance: class balance of a dataset: counts, metrics, merging, weights, resampling, gates",
               "dsbalance"};
  cli.add_option(
         "input", o.input,
         "A dskit manifest, an ImageFolder directory, a CSV label file, a COCO JSON file, or a YOLO or "
         "VOC directory")
      ->required();
  cli.add_option("--format", o.format,
                 "Input format: manifest, imagefolder, csv, coco, yolo or voc (default: detected)");
  cli.add_option("--unit", o.unit, "COCO, YOLO, VOC: count instances or images containing the class");
  cli.add_flag("--no-crowd", o.no_crowd, "COCO: skip iscrowd annotations");
  cli.add_flag("--include-difficult", o.include_difficult, "VOC: count objects marked difficult");
  cli.add_option("--id-column", o.id_column, "CSV: the id column's name (default id)");
  cli.add_option("--label-column", o.label_column, "CSV: the label column's name (default label)");
  cli.add_option("--separator", o.separator, "Manifest, CSV: separator of multiple labels (default |)");
  auto* json_flag = cli.add_flag("--json", o.json, "Print the report (or the resampling summary) as JSON");
  cli.add_flag("--csv", o.csv, "Print the class table as CSV (class,count,share)")->excludes(json_flag);
  cli.add_flag("--class-to-idx", o.class_to_idx, "ImageFolder: print torchvision's class_to_idx as JSON");
  cli.add_option("--merge", o.merges, "Merge labels: SRC=DST, SRC may be a glob (repeatable)")
      ->allow_extra_args(false);
  cli.add_option("--drop", o.drops, "Drop labels matching this glob (repeatable)")->allow_extra_args(false);
  cli.add_option("--map", o.map_file, "Rename labels from a two-column CSV file old,new (empty new: drop)");
  cli.add_option("--many", o.band_many, "Head band: classes with more than N samples (default 100)");
  cli.add_option("--few", o.band_few, "Tail band: classes with fewer than N samples (default 20)");
  cli.add_option("--weights", o.weights, "Print class weights: balanced, inverse, inverse-sqrt or effective");
  cli.add_option("--weights-format", o.weights_format, "Weights as json, yaml, torch or all (default all)");
  cli.add_option("--beta", o.beta, "effective weights: beta of (1-beta)/(1-beta^n) (default 0.9999)");
  cli.add_flag("--sample-weights", o.sample_weights,
               "Write the manifest with a per-entry weight column (-o)");
  cli.add_flag("--resample", o.resample, "Write a resampled manifest (-o) with a repeat column");
  cli.add_option("--max-per-class", o.max_per_class, "Resample: at most N rows per class");
  cli.add_option("--max-ratio", o.max_ratio, "Resample: cap every class at R x the smallest class");
  cli.add_option("--target", o.target, "Resample: every class to exactly N (under- or oversampled)");
  cli.add_option("--seed", o.seed, "Resample: random seed (default 0)");
  cli.add_option("-o,--output", o.output, "Output manifest for --resample and --sample-weights (- : stdout)");
  cli.add_option("--fail-if", o.gates, "Exit 3 when this holds, e.g. 'imbalance_ratio>50' (repeatable)")
      ->allow_extra_args(false);
  cli.add_option("-j,--threads", o.threads, "ImageFolder: walker threads (default: by filesystem type)");
  cli.add_option("second_input", o.second_input,
                 "A second input (val/test): report its drift against the first");
  cli.add_option("--by", o.by, "Manifest: per-split counts and drift by this column, e.g. split");
  cli.add_option("--plot", o.plot, "Also draw the class counts as a bar chart into this PNG file");
  cli.add_option("--plot-scale", o.plot_scale, "The plot's count axis: linear (default) or log");
  cli.set_version_flag("--version", "dsbalance 0.1.0");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli.exit(e);
    app::print_error("dsbalance", e.what());
    return app::kExitUsage;
  }
  return run(o);
}
