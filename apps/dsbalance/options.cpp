#include "options.h"
#include "cli/common_flags.h"

#include <utility>

#include "cli/tool.h"
#include "emit.h"

namespace dsbalance {

using namespace dskit;

void add_options(CLI::App& cli, DsbalanceOptions& o) {
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
  app::add_output_flag(
      &cli, o.output,
      "With --resample or --sample-weights: the output manifest (- : stdout; the summary then goes to "
      "stdout, or stderr with -o -); otherwise the report, weights or CSV to this file");
  cli.add_option("--fail-if", o.gates,
                 "Exit 3 when this holds, e.g. 'imbalance_ratio>50', or with splits 'tvd>0.1' (repeatable)")
      ->allow_extra_args(false);
  app::add_threads_flag(&cli, o.threads, "by filesystem type", "the ImageFolder walk");
  cli.add_option("second_input", o.second_input,
                 "A second input (val/test): report its drift against the first (train)");
  cli.add_option("--by", o.by, "Manifest: per-split counts and drift by this column, e.g. split");
  cli.add_option("--plot", o.plot, "Also draw the class counts as a bar chart into this PNG file");
  cli.add_option("--plot-scale", o.plot_scale, "The plot's count axis: linear (default) or log");
  cli.add_flag("--stats", o.stats,
               "Print the input's reading statistics (COCO: parser kernel, times) to stderr");
}

int check_options(const DsbalanceOptions& o, CheckedOptions& c) {
  for (const auto& m : o.merges) {
    std::pair<std::string, std::string> p;
    if (auto err = parse_merge(m, p)) return usage(*err);
    c.rules.merges.push_back(std::move(p));
  }
  c.rules.drops = o.drops;
  if (!o.map_file.empty())
    if (auto err = load_label_map(o.map_file, c.rules.map)) return error(*err), app::kExitUsage;
  const bool splits = !o.by.empty() || !o.second_input.empty();
  for (const auto& g : o.gates) {
    Gate gate;
    if (auto err = parse_gate(g, gate)) return usage(*err);
    if (is_drift_metric(gate.metric) && !splits)
      return usage("gate '" + g + "': " + gate.metric + " needs two inputs or --by COLUMN");
    c.gates.push_back(gate);
  }
  if (!o.weights.empty()) {
    auto m = parse_weight_method(o.weights);
    if (!m)
      return usage("unknown --weights method '" + o.weights +
                   "' (balanced, inverse, inverse-sqrt, effective)");
    c.method = *m;
  }
  if (o.beta <= 0 || o.beta >= 1) return usage("--beta must be in (0, 1)");
  if (o.weights_format != "all" && o.weights_format != "json" && o.weights_format != "yaml" &&
      o.weights_format != "torch")
    return usage("--weights-format must be json, yaml, torch or all");
  if (o.band_few > o.band_many) return usage("--few must not exceed --many");
  if ((o.resample || o.sample_weights) && o.output.empty())
    return usage("--resample and --sample-weights need -o OUT");
  if (o.resample && o.sample_weights) return usage("use --resample or --sample-weights, not both");
  if (!o.resample && (o.max_per_class || o.max_ratio > 0 || o.target))
    return usage("--max-per-class, --max-ratio and --target need --resample");
  const auto plot_scale = parse_plot_scale(o.plot_scale);
  if (!plot_scale) return usage("--plot-scale must be linear or log");
  c.plot_scale = *plot_scale;
  if (!o.by.empty() && !o.second_input.empty()) return usage("use --by COLUMN or a second input, not both");
  if (o.class_to_idx && !o.second_input.empty()) return usage("--class-to-idx takes one input");
  if (auto u = parse_count_unit(o.unit))
    c.ao.unit = *u;
  else
    return usage("unknown --unit '" + o.unit + "' (instances, images)");
  c.ao.crowd = !o.no_crowd;
  c.ao.include_difficult = o.include_difficult;
  return app::kExitOk;
}

}  // namespace dsbalance
