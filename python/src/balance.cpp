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

}  // namespace

void init_balance(pyb::module_& m) {
  m.def(
      "balance",
      [](const std::vector<pyb::object>& inputs, const std::string& format, const std::string& by,
         const std::string& unit, bool crowd, bool include_difficult, const std::string& id_column,
         const std::string& label_column, const std::string& separator,
         const std::vector<std::string>& merges, const std::vector<std::string>& drops,
         const std::optional<pyb::object>& map_file, uint64_t many, uint64_t few,
         const std::vector<std::string>& gates, const std::string& weights, double beta, unsigned threads) {
        BalanceArgs a;
        for (const auto& i : inputs) a.inputs.push_back(fsencode(i));
        a.format = format;
        a.by = by;
        a.unit = unit;
        a.crowd = crowd;
        a.include_difficult = include_difficult;
        a.id_column = id_column;
        a.label_column = label_column;
        a.separator = separator;
        a.merges = merges;
        a.drops = drops;
        if (map_file) a.map_file = fsencode(*map_file);
        a.many = many;
        a.few = few;
        a.gates = gates;
        a.weights = weights;
        a.beta = beta;
        a.threads = threads;
        return balance(a);
      },
      pyb::arg("inputs"), pyb::kw_only(), pyb::arg("format") = "", pyb::arg("by") = "",
      pyb::arg("unit") = "instances", pyb::arg("crowd") = true, pyb::arg("include_difficult") = false,
      pyb::arg("id_column") = "id", pyb::arg("label_column") = "label", pyb::arg("separator") = "|",
      pyb::arg("merges") = std::vector<std::string>{}, pyb::arg("drops") = std::vector<std::string>{},
      pyb::arg("map_file") = std::nullopt, pyb::arg("many") = 100, pyb::arg("few") = 20,
      pyb::arg("gates") = std::vector<std::string>{}, pyb::arg("weights") = "balanced",
      pyb::arg("beta") = 0.9999, pyb::arg("threads") = 0,
      "dsbalance's report of one input or two (train, val): (the --json document, the class weights, the "
      "warnings). ValueError with dsbalance's message on errors.");
}

}  // namespace dskit::py
