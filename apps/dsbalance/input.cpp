#include "input.h"

#include <fmt/format.h>

#include <filesystem>
#include <utility>

#include "cli/tool.h"
#include "emit.h"

namespace dsbalance {

using namespace dskit;

std::string input_stem(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.stem().string();
}

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

}  // namespace dsbalance
