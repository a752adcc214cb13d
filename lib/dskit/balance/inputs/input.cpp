#include "dskit/balance/inputs/input.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "dskit/balance/inputs/coco.h"
#include "dskit/balance/inputs/voc.h"
#include "dskit/balance/inputs/yolo.h"
#include "dskit/base/enum_names.h"
#include "dskit/manifest/labels.h"
#include "dskit/walk/walk.h"

namespace dskit {

constexpr EnumName<BalanceFormat> kBalanceFormats[] = {
    {BalanceFormat::manifest, "manifest"}, {BalanceFormat::imagefolder, "imagefolder"},
    {BalanceFormat::csv, "csv"},           {BalanceFormat::coco, "coco"},
    {BalanceFormat::yolo, "yolo"},         {BalanceFormat::voc, "voc"}};

std::optional<BalanceFormat> parse_balance_format(std::string_view s) {
  return parse_enum(kBalanceFormats, s);
}

std::string_view balance_format_name(BalanceFormat f) {
  return enum_name(kBalanceFormats, f);
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<std::string> detect_balance_format(const std::string& path, BalanceFormat& out) {
  if (path == "-") {
    out = BalanceFormat::manifest;
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (S_ISDIR(st.st_mode)) {
    if (yolo_data_yaml(path))
      out = BalanceFormat::yolo;
    else if (voc_has_annotations_dir(path))
      out = BalanceFormat::voc;
    else
      out = BalanceFormat::imagefolder;
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": " + std::strerror(errno);
  char head[15] = {};
  in.read(head, sizeof head);
  if (in.gcount() == sizeof head && std::string_view(head, sizeof head) == "#dskit-manifest") {
    out = BalanceFormat::manifest;
    return std::nullopt;
  }
  if (ends_with(path, ".csv")) {
    out = BalanceFormat::csv;
    return std::nullopt;
  }
  if (ends_with(path, ".json")) {
    out = BalanceFormat::coco;
    return std::nullopt;
  }
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
    out = BalanceFormat::yolo;
    return std::nullopt;
  }
  return path +
         ": unknown input format (not a directory, a dskit manifest, a .json, .csv or .yaml file; see "
         "--format)";
}

LabelHistogram manifest_histogram(const Manifest& m) {
  std::map<std::string_view, uint64_t> escaped;  // views into the manifest's buffer
  for (std::size_t r = 0; r < m.size(); ++r) ++escaped[m.label_escaped(r)];
  LabelHistogram h;
  for (const auto& [e, n] : escaped) h.add(unescape_field(e), n);
  return h;
}

namespace {

// Counts the non-directory entries below each root (one root per class folder).
class FileCounter final : public WalkVisitor {
 public:
  FileCounter(std::size_t roots, std::vector<PathError>& errors)
      : counts_(std::make_unique<std::atomic<uint64_t>[]>(roots)), errors_(errors) {}
  Action on_entry(const Entry& e, unsigned) override {
    if (e.type != FileType::dir) counts_[e.root_index].fetch_add(1, std::memory_order_relaxed);
    return Action::proceed;
  }
  void on_error(const PathError& err, bool, unsigned) override {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(err);
  }
  uint64_t count(std::size_t root) const { return counts_[root].load(); }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::mutex mu_;
  std::vector<PathError>& errors_;
};

}  // namespace

std::optional<std::string> imagefolder_histogram(const std::string& root, unsigned threads,
                                                 ImageFolderResult& out) {
  std::vector<std::string> classes;
  {
    DIR* d = ::opendir(root.c_str());
    if (!d) return root + ": " + std::strerror(errno);
    while (const dirent* de = ::readdir(d)) {
      const std::string name = de->d_name;
      if (name.empty() || name[0] == '.') continue;
      bool is_dir = de->d_type == DT_DIR;
      if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
        struct stat st {};
        is_dir = ::fstatat(::dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir) classes.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(classes.begin(), classes.end());
  WalkOptions wo;
  wo.threads = threads;
  wo.prune = [](std::string_view, std::string_view name, FileType) {
    return !name.empty() && name[0] == '.';
  };
  // One walk over every class folder (a class folder may be a symlink to a directory, as os.walk allows).
  std::vector<std::string> roots;
  for (const auto& c : classes) roots.push_back(root + "/" + c);
  FileCounter v(roots.size(), out.errors);
  if (!roots.empty()) walk(roots, wo, v);
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (v.count(i)) out.histogram.add(classes[i], v.count(i));
  std::sort(out.errors.begin(), out.errors.end(),
            [](const PathError& a, const PathError& b) { return a.path < b.path; });
  out.histogram.declared = classes;
  out.histogram.ordered = true;
  return std::nullopt;
}

std::optional<std::string> csv_histogram(const std::string& file, const CsvLabelOptions& o,
                                         LabelHistogram& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return file + ": " + std::strerror(errno);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::size_t pos = 0;
  uint64_t line = 1;
  std::vector<std::string> f;
  int id_col = -1, label_col = -1;
  std::size_t need = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const uint64_t this_line = line;
    const bool ok = next_csv_record(text, pos, f);
    line += static_cast<uint64_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(start),
                                             text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
    const std::string where = file + ":" + std::to_string(this_line) + ": ";
    if (!ok) return where + "unterminated quote";
    if (f.size() == 1 && f[0].empty()) continue;
    if (label_col < 0) {
      for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == o.id_column && id_col < 0) id_col = static_cast<int>(i);
        if (f[i] == o.label_column && label_col < 0) label_col = static_cast<int>(i);
      }
      if (id_col < 0) return where + "no column named '" + o.id_column + "' in the header (see --id-column)";
      if (label_col < 0)
        return where + "no column named '" + o.label_column + "' in the header (see --label-column)";
      need = static_cast<std::size_t>(std::max(id_col, label_col)) + 1;
      continue;
    }
    if (f.size() < need)
      return where + "expected at least " + std::to_string(need) + " fields, found " +
             std::to_string(f.size());
    out.add(f[static_cast<std::size_t>(label_col)]);
  }
  if (label_col < 0) return file + ": no header row";
  return std::nullopt;
}

constexpr EnumName<CountUnit> kCountUnits[] = {{CountUnit::instances, "instances"},
                                               {CountUnit::images, "images"}};

std::optional<CountUnit> parse_count_unit(std::string_view s) {
  return parse_enum(kCountUnits, s);
}

std::optional<std::string> annotation_histogram(BalanceFormat f, const std::string& path,
                                                const AnnotationOptions& o, AnnotationResult& out) {
  switch (f) {
    case BalanceFormat::coco:
      return coco_histogram(path, o, out);
    case BalanceFormat::yolo:
      return yolo_histogram(path, o, out);
    case BalanceFormat::voc:
      return voc_histogram(path, o, out);
    default:
      return std::string(balance_format_name(f)) + " is not an annotation format";
  }
}

}  // namespace dskit
