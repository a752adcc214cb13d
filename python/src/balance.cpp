// dskit._dskit balance: dsbalance's report for one input or two (train, val), through the same library calls
// as the tool (balance/inputs to read, balance/report to analyse and write the JSON document), so the
// document is byte for byte `dsbalance --json`; plus the class weights of `dsbalance --weights`. Errors are
// ValueError with the message dsbalance prints (naming the path); the GIL is released while reading.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/balance/report.h"

namespace dskit::py {

namespace {

struct BalanceArgs {
  std::vector<std::string> inputs;  // one or two paths
  std::string format, by, unit = "instances", id_column = "id", label_column = "label", separator = "|";
  bool crowd = true, include_difficult = false;
  std::vector<std::string> merges, drops, gates;
  std::string map_file;
  uint64_t many = 100, few = 20;
  std::string weights = "balanced";
  double beta = 0.9999;
  unsigned threads = 0;
};

struct Read {
  BalanceFormat format = BalanceFormat::manifest;
  InputData data;
};

[[noreturn]] void fail(const std::string& message) {
  throw pyb::value_error(message);
}

// The flags' checks, as dsbalance makes them (its messages without the pointer to --help).
AnalysisOptions analysis_options(const BalanceArgs& a, WeightMethod& method, AnnotationOptions& ao) {
  AnalysisOptions o;
  for (const auto& m : a.merges) {
    std::pair<std::string, std::string> p;
    if (auto err = parse_merge(m, p)) fail(*err);
    o.rules.merges.push_back(std::move(p));
  }
  o.rules.drops = a.drops;
  o.map_file = a.map_file;
  if (!a.map_file.empty())
    if (auto err = load_label_map(a.map_file, o.rules.map)) fail(*err);
  const bool splits = !a.by.empty() || a.inputs.size() == 2;
  for (const auto& g : a.gates) {
    Gate gate;
    if (auto err = parse_gate(g, gate)) fail(*err);
    if (is_drift_metric(gate.metric) && !splits)
      fail("gate '" + g + "': " + gate.metric + " needs two inputs or by=COLUMN");
    o.gates.push_back(gate);
  }
  const auto m = parse_weight_method(a.weights);
  if (!m) fail("unknown weights method '" + a.weights + "' (balanced, inverse, inverse-sqrt, effective)");
  method = *m;
  if (a.beta <= 0 || a.beta >= 1) fail("beta must be in (0, 1)");
  if (a.few > a.many) fail("few must not exceed many");
  if (!a.by.empty() && a.inputs.size() == 2) fail("use by=COLUMN or a second input, not both");
  const auto u = parse_count_unit(a.unit);
  if (!u) fail("unknown unit '" + a.unit + "' (instances, images)");
  ao.unit = *u;
  ao.crowd = a.crowd;
  ao.include_difficult = a.include_difficult;
  o.bands = {a.many, a.few};
  o.by = a.by;
  return o;
}

// Reads one input; an error message, or nullopt.
std::optional<std::string> read_one(const BalanceArgs& a, const std::string& path, const std::string& format,
                                    const AnnotationOptions& ao, Read& r) {
  if (!format.empty()) {
    const auto f = parse_balance_format(format);
    if (!f) return "unknown format '" + format + "' (" + balance_format_names() + ")";
    r.format = *f;
  } else if (auto err = detect_balance_format(path, r.format)) {
    return err;
  }
  InputOptions io;
  io.threads = a.threads;
  io.csv.id_column = a.id_column;
  io.csv.label_column = a.label_column;
  io.annotations = ao;
  return read_balance_input(r.format, path, io, r.data);
}

// (the JSON document, the class weights, the warnings)
pyb::tuple balance(const BalanceArgs& a) {
  if (a.inputs.empty() || a.inputs.size() > 2) fail("balance takes one input or two (train, val)");
  WeightMethod method = WeightMethod::balanced;
  AnnotationOptions ao;
  const AnalysisOptions o = analysis_options(a, method, ao);
  std::vector<Read> reads(a.inputs.size());
  std::optional<std::string> err;
  std::string json;
  std::vector<double> weights;
  std::vector<std::string> warnings;
  {
    pyb::gil_scoped_release release;
    for (std::size_t i = 0; i < reads.size() && !err; ++i)
      err = read_one(a, a.inputs[i], i == 0 ? a.format : std::string(), ao, reads[i]);
    if (!err && !a.by.empty() && reads[0].format != BalanceFormat::manifest)
      err = "by=COLUMN needs a manifest input";
    BalanceInputs in;
    BalanceAnalysis an;
    ReportInput base;
    const std::string sep = reads[0].data.multi_label ? a.separator : std::string();
    if (!err) {
      in.path = a.inputs[0];
      in.whole = reads[0].data.hist;
      in.separator = sep;
      base.errors = reads[0].data.errors.size();
      if (reads[0].data.annotated) base.annotations = &reads[0].data.annotations;
      if (reads.size() == 1 && reads[0].format == BalanceFormat::manifest)
        in.manifest = &reads[0].data.manifest;
      if (reads.size() == 2) {
        add_histogram(in.whole, reads[1].data.hist);
        base.errors += reads[1].data.errors.size();
        if (reads[1].data.annotated) {
          if (reads[0].data.annotated)
            add_annotations(reads[0].data.annotations, reads[1].data.annotations);
          else
            base.annotations = &reads[1].data.annotations;
        }
        in.splits.emplace_back(input_split_name(a.inputs[0]), reads[0].data.hist);
        in.splits.emplace_back(input_split_name(a.inputs[1]), reads[1].data.hist);
        if (in.splits[1].first == in.splits[0].first) in.splits[1].first += "#2";
        in.split_inputs = a.inputs;
      }
      err = analyze_balance(in, o, an);
    }
    if (!err) {
      base.input = a.inputs[0];
      base.format = std::string(balance_format_name(reads[0].format));
      if (base.annotations) base.unit = a.unit;
      json = report_json(report_input(an, o, std::move(base)));
      // The weights are for training: with two inputs, of the first (train) input alone, as dsbalance.
      const Distribution train =
          reads.size() == 2 ? count_classes(reads[0].data.hist, o.rules, sep) : Distribution{};
      weights = class_weights(reads.size() == 2 ? train : an.after, method, a.beta);
      for (const auto& e : reads[0].data.errors) warnings.push_back(describe(e));
      if (reads.size() == 2)
        for (const auto& e : reads[1].data.errors) warnings.push_back(describe(e));
      warnings.insert(warnings.end(), an.warnings.begin(), an.warnings.end());
    }
  }
  if (err) fail(*err);
  return pyb::make_tuple(json, weights, warnings);
}

// BalanceArgs from the keyword options of dskit.balance (python/dskit/__init__.py passes every one of them).
BalanceArgs balance_args(const std::vector<pyb::object>& inputs, const pyb::dict& o) {
  BalanceArgs a;
  for (const auto& i : inputs) a.inputs.push_back(fsencode(i));
  const std::pair<const char*, std::string BalanceArgs::*> texts[] = {
      {"format", &BalanceArgs::format},
      {"by", &BalanceArgs::by},
      {"unit", &BalanceArgs::unit},
      {"id_column", &BalanceArgs::id_column},
      {"label_column", &BalanceArgs::label_column},
      {"separator", &BalanceArgs::separator},
      {"weights", &BalanceArgs::weights}};
  for (const auto& [key, field] : texts) a.*field = o[key].cast<std::string>();
  const std::pair<const char*, std::vector<std::string> BalanceArgs::*> lists[] = {
      {"merges", &BalanceArgs::merges}, {"drops", &BalanceArgs::drops}, {"gates", &BalanceArgs::gates}};
  for (const auto& [key, field] : lists) a.*field = o[key].cast<std::vector<std::string>>();
  if (!o["map_file"].is_none()) a.map_file = fsencode(o["map_file"]);
  a.crowd = o["crowd"].cast<bool>();
  a.include_difficult = o["include_difficult"].cast<bool>();
  a.many = o["many"].cast<uint64_t>();
  a.few = o["few"].cast<uint64_t>();
  a.beta = o["beta"].cast<double>();
  a.threads = o["threads"].cast<unsigned>();
  return a;
}

}  // namespace

void init_balance(pyb::module_& m) {
  m.def(
      "balance",
      [](const std::vector<pyb::object>& inputs, const pyb::dict& options) {
        return balance(balance_args(inputs, options));
      },
      pyb::arg("inputs"), pyb::arg("options"),
      "dsbalance's report of one input or two (train, val): (the --json document, the class weights, the "
      "warnings). `options` holds every keyword of dskit.balance's call (format, by, unit, crowd, "
      "include_difficult, id_column, label_column, separator, merges, drops, map_file, many, few, gates, "
      "weights, beta, threads). ValueError with dsbalance's message on errors.");
}
}  // namespace dskit::py
