#include "actions.h"

#include <string>

#include "cli/tool.h"
#include "dskit/balance/resample.h"
#include "emit.h"

namespace dsbalance {

using namespace dskit;

int run_action(const DsbalanceOptions& o, const CheckedOptions& c, Input& first, const Distribution& after,
               const ReportInput& ri) {
  const LabelRules& rules = c.rules;
  const WeightMethod method = c.method;
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
    emit(o.json ? resample_json(rr, o.seed) : resample_text(rr, ri.name_max), o.output == "-");
  } else if (o.sample_weights) {
    add_sample_weights(first.manifest, rules, act_on, class_weights(act_on, method, o.beta), first.separator);
    if (auto err = write_manifest(first.manifest, o.output)) return error(describe(*err)), app::kExitUsage;
  } else if (!o.weights.empty()) {
    WeightsOut w{method, o.beta, &act_on, class_weights(act_on, method, o.beta), {}};
    w.alpha = focal_alpha(w.weights);
    const bool all_formats = o.weights_format == "all";
    if (all_formats) emit("# JSON\n");
    if (all_formats || o.weights_format == "json") emit(weights_json(w));
    if (all_formats) emit("# YAML\n");
    if (all_formats || o.weights_format == "yaml") emit(weights_yaml(w));
    if (all_formats) emit("# PyTorch\n");
    if (all_formats || o.weights_format == "torch") emit(weights_torch(w));
  } else if (o.json) {
    emit(report_json(ri));
  } else if (o.csv) {
    emit(report_csv(after));
  } else {
    emit(report_text(ri));
  }
  return app::kExitOk;
}

bool gates_tripped(const std::vector<Gate>& gates, const BalanceReport& report, const DriftMetrics& drift) {
  bool tripped = false;
  for (const auto& g : gates) {
    std::string reason;
    if (gate_trips(g, report, drift, reason)) {
      error("gate tripped: " + g.text + " (" + reason + ")");
      tripped = true;
    }
  }
  return tripped;
}

}  // namespace dsbalance
