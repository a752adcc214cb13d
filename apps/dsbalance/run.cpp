#include "run.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actions.h"
#include "cli/tool.h"
#include "dskit/balance/plot/plot.h"
#include "dskit/balance/report.h"
#include "emit.h"
#include "input.h"
#include "print.h"
#include "print_drift.h"

namespace dsbalance {

using namespace dskit;

namespace {

// --plot: the whole dataset's chart into PLOT and, with splits, each split's over the classes of the union
// (empty bars included, so the charts line up) into split_plot_path(PLOT, SPLIT).
int write_plots(const DsbalanceOptions& o, const CheckedOptions& c, const BalanceAnalysis& an) {
  const auto& r = an.splits.report;
  std::vector<std::string> files;  // per split, checked before anything is drawn
  std::set<std::string> taken{o.plot};
  if (an.has_splits)
    for (const auto& s : r.splits) {
      files.push_back(split_plot_path(o.plot, s.name));
      if (!taken.insert(files.back()).second)
        return usage("--plot: two splits give the same file name " + files.back() +
                     " (bytes other than letters, digits, - and _ are written as _)");
    }
  if (auto err = write_balance_plot(an.after, o.plot, {c.plot_scale, o.input}))
    return error(*err), app::kExitUsage;
  for (std::size_t k = 0; k < files.size(); ++k) {
    const auto& s = r.splits[k];
    Distribution d;
    for (std::size_t i = 0; i < r.classes.size(); ++i) d.classes.push_back({r.classes[i], s.counts[i]});
    if (auto err = write_balance_plot(d, files[k],
                                      {c.plot_scale, o.input + " (" + an.splits.by + " " + s.name + ")"}))
      return error(*err), app::kExitUsage;
  }
  return app::kExitOk;
}

}  // namespace

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
  Input second;
  BalanceInputs bi;
  // Names are shortened to a terminal's width only when the report goes to that terminal (not with -o FILE).
  const bool report_to_stdout = o.output.empty() || o.output == "-" || o.resample || o.sample_weights;
  const std::size_t name_max = table_name_max(report_to_stdout ? app::stdout_columns() : 0);
  bi.path = o.input;
  if (o.second_input.empty() && first.format == BalanceFormat::manifest) bi.manifest = &first.manifest;
  if (!o.by.empty()) {
    if (first.format != BalanceFormat::manifest) return usage("--by needs a manifest input");
  } else if (!o.second_input.empty()) {
    if (int rc = read_input(o, o.second_input, "", ao, second); rc != app::kExitOk) return rc;
    whole = add_inputs(first, second);
    bi.splits.emplace_back(input_split_name(o.input), first.hist);
    bi.splits.emplace_back(input_split_name(o.second_input), second.hist);
    if (bi.splits[1].first == bi.splits[0].first) bi.splits[1].first += "#2";
    bi.split_inputs = {o.input, o.second_input};
  }
  const Input& all = o.second_input.empty() ? first : whole;
  bi.whole = all.hist;
  bi.separator = all.separator;
  AnalysisOptions ao2;
  ao2.map_file = o.map_file;
  ao2.rules = rules;
  ao2.bands = {o.band_many, o.band_few};
  ao2.by = o.by;
  ao2.gates = checked.gates;
  BalanceAnalysis an;
  if (auto err = analyze_balance(bi, ao2, an)) {
    if (err->find("'leaked' gate") != std::string::npos) return usage(*err);
    return error(*err), app::kExitUsage;
  }
  for (const auto& w : an.warnings) error("warning: " + w);
  ReportInput base;
  base.input = o.input;
  base.format = std::string(balance_format_name(first.format));
  base.errors = all.errors;
  if (all.annotated) {
    base.annotations = &all.annotations;
    base.unit = o.unit;
  }
  const ReportInput ri = report_input(an, ao2, std::move(base));
  if (!o.plot.empty())
    if (int rc = write_plots(o, checked, an); rc != app::kExitOk) return rc;

  // ---- Act: resampling and weights are for training, so with two inputs they act on the first (train)
  // input alone, counted on its own.
  if (int rc = run_action(o, checked, first, an.after, ri, name_max); rc != app::kExitOk) return rc;

  // ---- Gates.
  if (gates_tripped(an.gates)) return app::kExitGate;
  return all.errors ? app::kExitPartial : app::kExitOk;
}

}  // namespace dsbalance
