#include "input.h"

#include <fmt/format.h>

#include <utility>

#include "cli/tool.h"
#include "emit.h"

namespace dsbalance {

using namespace dskit;

int read_input(const DsbalanceOptions& o, const std::string& path, const std::string& format,
               const AnnotationOptions& ao, Input& in) {
  in.path = path;
  if (!format.empty()) {
    auto f = parse_balance_format(format);
    if (!f) return usage("unknown --format '" + format + "' (" + balance_format_names() + ")");
    in.format = *f;
  } else if (auto err = detect_balance_format(path, in.format)) {
    return error(*err), app::kExitUsage;
  }
  InputOptions io;
  io.threads = o.threads;
  io.csv.id_column = o.id_column;
  io.csv.label_column = o.label_column;
  io.annotations = ao;
  InputData d;
  if (auto err = read_balance_input(in.format, path, io, d)) return error(*err), app::kExitUsage;
  for (const auto& e : d.errors) error(describe(e));
  in.errors = d.errors.size();
  in.hist = std::move(d.hist);
  in.separator = d.multi_label ? o.separator : std::string();
  in.manifest = std::move(d.manifest);
  in.annotated = d.annotated;
  in.annotations = std::move(d.annotations);
  if (in.annotated) {
    for (const auto& w : in.annotations.warnings) error("warning: " + w);
    if (o.stats && !in.annotations.parser.empty())
      error(fmt::format("stats: {}: {}; annotations parsed {}; read {:.3f} s, parse {:.3f} s", path,
                        in.annotations.parser,
                        in.annotations.json_chunks ? fmt::format("in {} chunks", in.annotations.json_chunks)
                                                   : std::string("with the whole file"),
                        in.annotations.read_seconds, in.annotations.parse_seconds));
  }
  return app::kExitOk;
}

Input add_inputs(const Input& first, const Input& second) {
  Input whole{first.path,        first.format,    first.hist, first.separator,
              first.annotations, first.annotated, {},         first.errors};
  add_histogram(whole.hist, second.hist);
  whole.errors += second.errors;
  if (second.annotated) {
    add_annotations(whole.annotations, second.annotations);
    whole.annotated = true;
  }
  return whole;
}

}  // namespace dsbalance
