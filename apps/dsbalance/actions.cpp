#include "actions.h"

#include <string>

#include "cli/tool.h"
#include "dskit/balance/resample.h"
#include "emit.h"

namespace dsbalance {

using namespace dskit;

int run_action(const DsbalanceOptions& o, const CheckedOptions& c, Input& first, const Distribution& after,
               const ReportInput& ri, std::size_t name_max) {
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
    const ResampleOptions ro{o.max_per_class, o.max_ratio, o.target, o.seed, first.separator};
    ResampleResult rr;
    if (auto err = resample_manifest(first.manifest, rules, ro, rr)) return error(*err), app::kExitUsage;
    if (int rc = app::output_result("dsbalance", write_manifest(first.manifest, o.output), kExitOutputFailed))
      return rc;
    const std::string summary = o.json ? resample_json(rr, o.seed) : resample_text(rr, name_max);
    if (o.output != "-") return emit(summary);
    emit_to_stderr(summary);
  } else if (o.sample_weights) {
    add_sample_weights(first.manifest, rules, act_on, class_weights(act_on, method, o.beta), first.separator);
    return app::output_result("dsbalance", write_manifest(first.manifest, o.output), kExitOutputFailed);
  } else if (!o.weights.empty()) {
    WeightsOut w{method, o.beta, &act_on, class_weights(act_on, method, o.beta), {}};
    w.alpha = focal_alpha(w.weights);
    const bool all_formats = o.weights_format == "all";
    std::string text;
    if (all_formats) text += "# JSON\n";
    if (all_formats || o.weights_format == "json") text += weights_json(w);
    if (all_formats) text += "# YAML\n";
    if (all_formats || o.weights_format == "yaml") text += weights_yaml(w);
    if (all_formats) text += "# PyTorch\n";
    if (all_formats || o.weights_format == "torch") text += weights_torch(w);
    return emit(text, o.output);
  } else if (o.json) {
    return emit(report_json(ri), o.output);
  } else if (o.csv) {
    return emit(report_csv(after), o.output);
  } else {
    return emit(report_text(ri, name_max), o.output);
  }
  return app::kExitOk;
}

bool gates_tripped(const std::vector<GateResult>& gates) {
  bool tripped = false;
  for (const auto& g : gates)
    if (!g.passed) {
      error("gate tripped: " + gate_result_text(g));
      tripped = true;
    }
  return tripped;
}

}  // namespace dsbalance
