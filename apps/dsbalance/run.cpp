#include "run.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actions.h"
#include "cli/tool.h"
#include "dskit/balance/drift.h"
#include "dskit/balance/plot/plot.h"
#include "dskit/manifest/leaks.h"
#include "emit.h"
#include "input.h"
#include "print.h"
#include "print_drift.h"

namespace dsbalance {

using namespace dskit;

int run(const DsbalanceOptions& o) {
  // ---- Check the flags.
  CheckedOptions checked;
  if (int rc = check_options(o, checked); rc != app::kExitOk) return rc;
  const LabelRules& rules = checked.rules;
  const AnnotationOptions& ao = checked.ao;

  // ---- Read the input(s): the first (train) one, then the second, each read once.
  Input first;
  if (int rc = read_input(o, o.input, o.format, ao, first); rc != app::kExitOk) return rc;
  if ((o.resample || o.sample_weights) && first.format != BalanceFormat::manifest)
    return usage("--resample and --sample-weights need a manifest input");
  if (o.class_to_idx) {
    if (first.format != BalanceFormat::imagefolder)
      return usage("--class-to-idx needs an ImageFolder directory");
    if (int rc = emit(class_to_idx_json(first.hist.declared), o.output)) return rc;
    return first.errors ? app::kExitPartial : app::kExitOk;
  }
  Input whole;  // the two-input form's whole dataset (both inputs)
  std::vector<std::pair<std::string, LabelHistogram>> split_hists;
  DriftOut drift;
  // Names are shortened to a terminal's width only when the report goes to that terminal (not with -o FILE).
  const bool report_to_stdout = o.output.empty() || o.output == "-" || o.resample || o.sample_weights;
  drift.name_max = table_name_max(report_to_stdout ? app::stdout_columns() : 0);
  if (!o.by.empty()) {
    if (first.format != BalanceFormat::manifest) return usage("--by needs a manifest input");
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
  ReportInput ri;
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
    LeakReport leaks;  // content shared across splits: the `leaked` gate (needs a hash column)
    if (!o.by.empty() && !find_leaks(first.manifest, o.by, leaks)) {
      drift_gate.leaks_known = true;
      drift_gate.leaked = leaks.leaked_files;
    }
    for (const auto& w : drift_warnings(drift)) error("warning: " + w);
    ri.drift = &drift;
  }
  for (const auto& g : checked.gates)
    if (g.metric == "leaked" && !drift_gate.leaks_known)
      return usage(o.input + ": the 'leaked' gate needs --by and a manifest with a hash column");
  if (!o.plot.empty())
    if (auto err = write_balance_plot(after, o.plot, {checked.plot_scale, o.input}))
      return error(*err), app::kExitUsage;

  // ---- Act: resampling and weights are for training, so with two inputs they act on the first (train)
  // input alone, counted on its own.
  if (int rc = run_action(o, checked, first, after, ri); rc != app::kExitOk) return rc;

  // ---- Gates.
  if (gates_tripped(checked.gates, ri.report, drift_gate)) return app::kExitGate;
  return all.errors ? app::kExitPartial : app::kExitOk;
}

}  // namespace dsbalance
