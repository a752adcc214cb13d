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
