// dsbalance: class balance of a dataset (manifest, ImageFolder tree, CSV label file, COCO, YOLO or VOC
// annotations): counts, imbalance metrics, label merging, loss weights, resampling into a new manifest,
// drift between splits, and CI gates.
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
  bool stats = false;
};

// One input, read: its format, label histogram and what else the format yields.
struct Input {
  std::string path;
  BalanceFormat format = BalanceFormat::manifest;
  LabelHistogram hist;
  std::string separator;         // of multiple labels; empty for formats without multi-label cells
  AnnotationResult annotations;  // COCO, YOLO, VOC
  bool annotated = false;        // annotations is set
  Manifest manifest;             // manifest inputs
  uint64_t errors = 0;           // unreadable entries (ImageFolder), reported already
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

// Reads one input (format detected unless `format` is set). Errors and warnings are printed; the result is
// kExitOk or kExitUsage.
int read_input(const DsbalanceOptions& o, const std::string& path, const std::string& format,
               const AnnotationOptions& ao, Input& in) {
  in.path = path;
  in.separator = o.separator;
  if (!format.empty()) {
    auto f = parse_balance_format(format);
    if (!f)
      return error("unknown --format '" + format + "' (manifest, imagefolder, csv, coco, yolo, voc)"),
             app::kExitUsage;
    in.format = *f;
  } else if (auto err = detect_balance_format(path, in.format)) {
    return error(*err), app::kExitUsage;
  }
  switch (in.format) {
    case BalanceFormat::manifest: {
      if (auto err = load_manifest(path, {}, in.manifest)) return error(describe(*err)), app::kExitUsage;
      if (in.manifest.label_col() < 0)
        return error(path + ": the manifest has no label column"), app::kExitUsage;
      in.hist = manifest_histogram(in.manifest);
      break;
    }
    case BalanceFormat::imagefolder: {
      ImageFolderResult r;
      if (auto err = imagefolder_histogram(path, o.threads, r)) return error(*err), app::kExitUsage;
      for (const auto& e : r.errors) error(describe(e));
      in.errors = r.errors.size();
      in.hist = std::move(r.histogram);
      in.separator.clear();
      break;
    }
    case BalanceFormat::csv: {
      CsvLabelOptions co;
      co.id_column = o.id_column;
      co.label_column = o.label_column;
      if (auto err = csv_histogram(path, co, in.hist)) return error(*err), app::kExitUsage;
      break;
    }
    case BalanceFormat::coco:
    case BalanceFormat::yolo:
    case BalanceFormat::voc: {
      if (auto err = annotation_histogram(in.format, path, ao, in.annotations))
        return error(*err), app::kExitUsage;
      for (const auto& w : in.annotations.warnings) error("warning: " + w);
      if (o.stats && !in.annotations.parser.empty())
        error(fmt::format("stats: {}: {}; annotations parsed {}; map {:.3f} s, parse {:.3f} s", path,
                          in.annotations.parser,
                          in.annotations.json_chunks ? fmt::format("in {} chunks", in.annotations.json_chunks)
                                                     : std::string("with the whole file"),
                          in.annotations.read_seconds, in.annotations.parse_seconds));
      in.hist = std::move(in.annotations.histogram);
      in.annotated = true;
      in.separator.clear();
      break;
    }
  }
  return app::kExitOk;
}

// The second input's counts added to the first's: the whole dataset of the two-input form. Classes keep
// the first input's order, then the second's.
void add_input(Input& into, const Input& from) {
  for (const auto& [label, n] : from.hist.raw) into.hist.add(label, n);
  into.hist.declared.insert(into.hist.declared.end(), from.hist.declared.begin(), from.hist.declared.end());
  into.hist.ordered = into.hist.ordered || from.hist.ordered;
  into.errors += from.errors;
  if (!from.annotated) return;
  auto& a = into.annotations;
  const auto& b = from.annotations;
  a.images += b.images;
  a.unannotated += b.unannotated;
  a.no_label_file += b.no_label_file;
  a.instances += b.instances;
  a.crowd += b.crowd;
  a.skipped += b.skipped;
  a.unknown += b.unknown;
  into.annotated = true;
}

int run(const DsbalanceOptions& o) {
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
  const bool splits = !o.by.empty() || !o.second_input.empty();
  std::vector<Gate> gates;
  for (const auto& g : o.gates) {
    Gate gate;
    if (auto err = parse_gate(g, gate)) return error(*err), app::kExitUsage;
    if (is_drift_metric(gate.metric) && !splits)
      return error("gate '" + g + "': " + gate.metric + " needs two inputs or --by COLUMN"), app::kExitUsage;
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
  if (o.class_to_idx && !o.second_input.empty())
    return error("--class-to-idx takes one input"), app::kExitUsage;
  AnnotationOptions ao;
  if (auto u = parse_count_unit(o.unit))
    ao.unit = *u;
  else
    return error("unknown --unit '" + o.unit + "' (instances, images)"), app::kExitUsage;
  ao.crowd = !o.no_crowd;
  ao.include_difficult = o.include_difficult;

  // ---- Read the input(s): the first (train) one, then the second, each read once.
  Input first;
  if (int rc = read_input(o, o.input, o.format, ao, first); rc != app::kExitOk) return rc;
  if ((o.resample || o.sample_weights) && first.format != BalanceFormat::manifest)
    return error("--resample and --sample-weights need a manifest input"), app::kExitUsage;
  if (o.class_to_idx) {
    if (first.format != BalanceFormat::imagefolder)
      return error("--class-to-idx needs an ImageFolder directory"), app::kExitUsage;
    emit(dsbalance::class_to_idx_json(first.hist.declared));
    return first.errors ? app::kExitPartial : app::kExitOk;
  }
  Input whole;  // the two-input form's whole dataset (both inputs)
  std::vector<std::pair<std::string, LabelHistogram>> split_hists;
  dsbalance::DriftOut drift;
  drift.name_max = dsbalance::table_name_max(app::stdout_columns());
  if (!o.by.empty()) {
    if (first.format != BalanceFormat::manifest) return error("--by needs a manifest input"), app::kExitUsage;
    SplitHistograms sh;
    if (auto err = manifest_split_histograms(first.manifest, o.by, sh))
      return error(o.input + ": " + *err), app::kExitUsage;
    split_hists = std::move(sh.splits);
    drift.by = o.by;
    drift.unassigned = sh.unassigned;
  } else if (!o.second_input.empty()) {
    Input second;
    if (int rc = read_input(o, o.second_input, "", ao, second); rc != app::kExitOk) return rc;
    whole.path = first.path;
    whole.format = first.format;
    whole.separator = first.separator;
    whole.hist = first.hist;
    whole.annotations = first.annotations;
    whole.annotated = first.annotated;
    whole.errors = first.errors;
    add_input(whole, second);
    split_hists.emplace_back(input_stem(o.input), first.hist);
    split_hists.emplace_back(input_stem(o.second_input), second.hist);
    if (split_hists[1].first == split_hists[0].first) split_hists[1].first += "#2";
    drift.by = "inputs";
    drift.inputs = {o.input, o.second_input};
  }
  const Input& all = o.second_input.empty() ? first : whole;

  const Distribution before = count_classes(all.hist, {}, all.separator);
  const Distribution after = count_classes(all.hist, rules, all.separator);
  for (const auto& u : after.unused_rules) {
    if (u.rfind("--map ", 0) == 0)
      return error(o.map_file + ": unknown label '" + u.substr(6) + "' (no such class in the input)"),
             app::kExitUsage;
    error("warning: " + u + " matches no class");
  }
  dsbalance::ReportInput ri;
  ri.input = o.input;
  ri.format = std::string(balance_format_name(first.format));
  ri.after = &after;
  if (!rules.empty()) ri.before = &before;
  ri.bands = {o.band_many, o.band_few};
  ri.report = balance_report(after, ri.bands);
  ri.errors = all.errors;
  ri.name_max = drift.name_max;
  if (all.annotated) {
    ri.annotations = &all.annotations;
    ri.unit = o.unit;
  }
  if (ri.report.total == 0)
    return error(o.input + ": empty dataset (no labelled entries" +
                 (rules.empty() ? "" : " after the label rules") + ")"),
           app::kExitUsage;

  DriftMetrics drift_gate;
  if (!split_hists.empty()) {
    std::vector<std::pair<std::string, Distribution>> dists;
    for (const auto& [name, h] : split_hists)
      dists.emplace_back(name, count_classes(h, rules, all.separator));
    std::vector<std::string> order;
    for (const auto& c : after.classes) order.push_back(c.name);
    drift.report =
        drift_report(dists, o.second_input.empty() ? std::nullopt : std::optional<std::size_t>(0), order);
    drift_gate = drift_metrics(drift.report);
    for (const auto& w : dsbalance::drift_warnings(drift)) error("warning: " + w);
    ri.drift = &drift;
  }
  if (!o.plot.empty())
    if (auto err = write_balance_plot(after, o.plot, {*plot_scale, o.input}))
      return error(*err), app::kExitUsage;

  // ---- Act: resampling and weights are for training, so with two inputs they act on the first (train)
  // input alone, counted on its own.
  const bool act = o.resample || o.sample_weights || !o.weights.empty();
  const Distribution train =
      o.second_input.empty() ? Distribution{} : count_classes(first.hist, rules, first.separator);
  const Distribution& act_on = o.second_input.empty() ? after : train;
  if (act && !o.second_input.empty())
    error("note: " +
          std::string(o.resample         ? "--resample"
                      : o.sample_weights ? "--sample-weights"
                                         : "--weights") +
          " acts on the first input, " + o.input + ", alone; " + o.second_input + " is only compared");
  if (o.resample) {
    ResampleOptions ro;
    ro.max_per_class = o.max_per_class;
    ro.max_ratio = o.max_ratio;
    ro.target = o.target;
    ro.seed = o.seed;
    ro.separator = first.separator;
    ResampleResult rr;
    if (auto err = resample_manifest(first.manifest, rules, ro, rr)) return error(*err), app::kExitUsage;
    if (auto err = write_manifest(first.manifest, o.output)) return error(describe(*err)), app::kExitUsage;
    emit(o.json ? dsbalance::resample_json(rr, o.seed) : dsbalance::resample_text(rr, ri.name_max),
         o.output == "-");
  } else if (o.sample_weights) {
    add_sample_weights(first.manifest, rules, act_on, class_weights(act_on, method, o.beta), first.separator);
    if (auto err = write_manifest(first.manifest, o.output)) return error(describe(*err)), app::kExitUsage;
  } else if (!o.weights.empty()) {
    dsbalance::WeightsOut w{method, o.beta, &act_on, class_weights(act_on, method, o.beta), {}};
    w.alpha = focal_alpha(w.weights);
    const bool all_formats = o.weights_format == "all";
    if (all_formats) emit("# JSON\n");
    if (all_formats || o.weights_format == "json") emit(dsbalance::weights_json(w));
    if (all_formats) emit("# YAML\n");
    if (all_formats || o.weights_format == "yaml") emit(dsbalance::weights_yaml(w));
    if (all_formats) emit("# PyTorch\n");
    if (all_formats || o.weights_format == "torch") emit(dsbalance::weights_torch(w));
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
    if (gate_trips(g, ri.report, drift_gate, reason)) {
      error("gate tripped: " + g.text + " (" + reason + ")");
      tripped = true;
    }
  }
  if (tripped) return kExitGate;
  return all.errors ? app::kExitPartial : app::kExitOk;
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
  cli.add_option("--fail-if", o.gates,
                 "Exit 3 when this holds, e.g. 'imbalance_ratio>50', or with splits 'tvd>0.1' (repeatable)")
      ->allow_extra_args(false);
  cli.add_option("-j,--threads", o.threads, "ImageFolder: walker threads (default: by filesystem type)");
  cli.add_option("second_input", o.second_input,
                 "A second input (val/test): report its drift against the first (train)");
  cli.add_option("--by", o.by, "Manifest: per-split counts and drift by this column, e.g. split");
  cli.add_option("--plot", o.plot, "Also draw the class counts as a bar chart into this PNG file");
  cli.add_option("--plot-scale", o.plot_scale, "The plot's count axis: linear (default) or log");
  cli.add_flag("--stats", o.stats,
               "Print the input's reading statistics (COCO: parser kernel, times) to stderr");
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
