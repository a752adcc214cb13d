#include "dskit/balance/inputs/input.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "dskit/balance/inputs/coco.h"
#include "dskit/balance/inputs/file.h"
#include "dskit/balance/inputs/voc.h"
#include "dskit/balance/inputs/yolo.h"
#include "dskit/base/enum_names.h"
#include "dskit/manifest/labels.h"
#include "dskit/walk/walk.h"

namespace dskit {

LabelHistogram manifest_histogram(const Manifest& m, const RepeatCounts& repeat) {
  std::map<std::string_view, uint64_t> escaped;  // views into the manifest's buffer
  for (std::size_t r = 0; r < m.size(); ++r) escaped[m.label_escaped(r)] += repeat.of(r);
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
  std::string text;
  if (auto err = read_input_file(file, true, 0, text)) return err;
  int id_col = -1, label_col = -1;
  std::size_t need = 0;
  auto err = for_each_csv_record(file, text, [&](uint64_t line, const std::vector<std::string>& f) {
    const std::string where = file + ":" + std::to_string(line) + ": ";
    if (label_col < 0) {
      for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == o.id_column && id_col < 0) id_col = static_cast<int>(i);
        if (f[i] == o.label_column && label_col < 0) label_col = static_cast<int>(i);
      }
      if (id_col < 0)
        return std::optional<std::string>(where + "no column named '" + o.id_column +
                                          "' in the header (see --id-column)");
      if (label_col < 0)
        return std::optional<std::string>(where + "no column named '" + o.label_column +
                                          "' in the header (see --label-column)");
      need = static_cast<std::size_t>(std::max(id_col, label_col)) + 1;
      return std::optional<std::string>();
    }
    if (f.size() < need)
      return std::optional<std::string>(where + "expected at least " + std::to_string(need) +
                                        " fields, found " + std::to_string(f.size()));
    out.add(f[static_cast<std::size_t>(label_col)]);
    return std::optional<std::string>();
  });
  if (err) return err;
  if (label_col < 0) return file + ": no header row";
  return std::nullopt;
}

constexpr EnumName<CountUnit> kCountUnits[] = {{CountUnit::instances, "instances"},
                                               {CountUnit::images, "images"}};

std::optional<CountUnit> parse_count_unit(std::string_view s) {
  return parse_enum(kCountUnits, s);
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- Each format's detection and reading (the annotation formats' are in coco.cpp, yolo.cpp, voc.cpp).

int detect_manifest(const std::string&, const InputProbe& p) {
  return p.head == "#dskit-manifest" ? 2 : 0;
}

std::optional<std::string> read_manifest(const std::string& path, const InputOptions&, InputData& out) {
  if (auto err = load_manifest(path, {}, out.manifest)) return describe(*err);
  if (out.manifest.label_col() < 0) return path + ": the manifest has no label column";
  RepeatCounts repeat;  // a resampled manifest counts each row repeat times
  if (auto err = read_repeat_counts(out.manifest, path, repeat)) return describe(*err);
  out.hist = manifest_histogram(out.manifest, repeat);
  out.multi_label = true;
  return std::nullopt;
}

int detect_imagefolder(const std::string&, const InputProbe& p) {
  return S_ISDIR(p.st.st_mode) ? 1 : 0;
}

std::optional<std::string> read_imagefolder(const std::string& path, const InputOptions& o, InputData& out) {
  ImageFolderResult r;
  if (auto err = imagefolder_histogram(path, o.threads, r)) return err;
  out.hist = std::move(r.histogram);
  out.errors = std::move(r.errors);
  return std::nullopt;
}

int detect_csv(const std::string& path, const InputProbe& p) {
  return S_ISREG(p.st.st_mode) && ends_with(path, ".csv") ? 1 : 0;
}

std::optional<std::string> read_csv(const std::string& path, const InputOptions& o, InputData& out) {
  out.multi_label = true;
  return csv_histogram(path, o.csv, out.hist);
}

// An annotation format's reader, as a table row's read.
template <std::optional<std::string> (*Read)(const std::string&, const AnnotationOptions&, AnnotationResult&)>
std::optional<std::string> read_annotations(const std::string& path, const InputOptions& o, InputData& out) {
  if (auto err = Read(path, o.annotations, out.annotations)) return err;
  out.hist = std::move(out.annotations.histogram);
  out.annotated = true;
  return std::nullopt;
}

constexpr InputFormat kFormats[] = {
    {BalanceFormat::manifest, "manifest", detect_manifest, read_manifest},
    {BalanceFormat::imagefolder, "imagefolder", detect_imagefolder, read_imagefolder},
    {BalanceFormat::csv, "csv", detect_csv, read_csv},
    {BalanceFormat::coco, "coco", coco_detect, read_annotations<coco_histogram>},
    {BalanceFormat::yolo, "yolo", yolo_detect, read_annotations<yolo_histogram>},
    {BalanceFormat::voc, "voc", voc_detect, read_annotations<voc_histogram>},
};

}  // namespace

std::span<const InputFormat> balance_input_formats() {
  return kFormats;
}

const InputFormat& balance_input_format(BalanceFormat f) {
  for (const auto& row : kFormats)
    if (row.id == f) return row;
  return kFormats[0];
}

std::string balance_format_names() {
  std::string s;
  for (const auto& row : kFormats) s.append(s.empty() ? "" : ", ").append(row.name);
  return s;
}

std::optional<BalanceFormat> parse_balance_format(std::string_view s) {
  for (const auto& row : kFormats)
    if (row.name == s) return row.id;
  return std::nullopt;
}

std::string_view balance_format_name(BalanceFormat f) {
  return balance_input_format(f).name;
}

std::optional<std::string> detect_balance_format(const std::string& path, BalanceFormat& out) {
  if (path == "-") {
    out = BalanceFormat::manifest;
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  char head[15] = {};
  std::size_t head_size = 0;
  if (!S_ISDIR(st.st_mode)) {
    // Never a blocking open: a FIFO would wait for a writer, and reading its head would consume it.
    if (!S_ISREG(st.st_mode))
      return path +
             ": not a regular file or directory (a FIFO, device or socket; --format manifest or --format csv "
             "reads one as a stream)";
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return path + ": " + std::strerror(errno);
    const ssize_t n = ::read(fd, head, sizeof head);
    ::close(fd);
    if (n > 0) head_size = static_cast<std::size_t>(n);
  }
  const InputProbe probe{st, std::string_view(head, head_size)};
  int best = 0;
  for (const auto& row : kFormats)
    if (const int score = row.detect(path, probe); score > best) {
      best = score;
      out = row.id;
    }
  if (best > 0) return std::nullopt;
  return path +
         ": unknown input format (not a directory, a dskit manifest, a .json, .csv or .yaml file; see "
         "--format)";
}

std::optional<std::string> read_balance_input(BalanceFormat f, const std::string& path, const InputOptions& o,
                                              InputData& out) {
  if (f != BalanceFormat::manifest && f != BalanceFormat::csv && path != "-") {
    // Only the stream formats read a FIFO, device or socket; the others would block or fault on one.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
      return path + ": not a regular file or directory";
  }
  return balance_input_format(f).read(path, o, out);
}

}  // namespace dskit
