// dsmanifest's scan: the selection a manifest records (and reads back), a rank's share of the walk, and
// the walk itself (shared walker, dsls filters) that lists the regular files a build, update or verify
// looks at, sorted by escaped path.
#include <sys/stat.h>

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <mutex>

#include "dskit/base/text.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/parts.h"
#include "dskit/walk/filter.h"

namespace dskit {

// ---- Selection <-> metadata ----------------------------------------------------------------------------

namespace {

constexpr std::string_view kSelectionKeys[] = {"labels",    "name",      "exclude", "regex",
                                               "no_hidden", "max_depth", "follow",  "one_file_system"};

bool is_selection_key(std::string_view k) {
  return std::find(std::begin(kSelectionKeys), std::end(kSelectionKeys), k) != std::end(kSelectionKeys);
}

}  // namespace

void record_selection(const Selection& s, Manifest& m) {
  auto& meta = m.extra_meta;
  meta.erase(
      std::remove_if(meta.begin(), meta.end(), [](const auto& kv) { return is_selection_key(kv.first); }),
      meta.end());
  meta.emplace_back("labels", escape_field(label_spec(s.labels)));
  for (const auto& n : s.names) meta.emplace_back("name", escape_field(n));
  for (const auto& e : s.excludes) meta.emplace_back("exclude", escape_field(e));
  if (!s.regex.empty()) meta.emplace_back("regex", escape_field(s.regex));
  if (s.no_hidden) meta.emplace_back("no_hidden", "1");
  if (s.max_depth >= 0) meta.emplace_back("max_depth", std::to_string(s.max_depth));
  if (s.follow) meta.emplace_back("follow", "1");
  if (s.one_file_system) meta.emplace_back("one_file_system", "1");
}

std::optional<std::string> read_selection(const Manifest& m, Selection& s) {
  s = Selection{};
  // A manifest made by another tool, without the key: no labels were derived from paths.
  s.labels.mode = LabelOptions::Mode::none;
  for (const auto& [k, v] : m.extra_meta) {
    const std::string val = unescape_field(v);
    if (k == "labels") {
      auto l = parse_label_spec(val);
      if (!l) return "unknown labels= value '" + v + "' in the metadata";
      s.labels = *l;
    } else if (k == "name") {
      s.names.push_back(val);
    } else if (k == "exclude") {
      s.excludes.push_back(val);
    } else if (k == "regex") {
      s.regex = val;
    } else if (k == "no_hidden") {
      s.no_hidden = val == "1";
    } else if (k == "max_depth") {
      try {
        s.max_depth = std::stoi(val);
      } catch (...) {
        return "bad max_depth= value in the metadata";
      }
    } else if (k == "follow") {
      s.follow = val == "1";
    } else if (k == "one_file_system") {
      s.one_file_system = val == "1";
    }
  }
  return std::nullopt;
}

bool WalkShare::mine(std::string_view rel) const {
  if (ranks <= 1) return true;
  int d = 1;
  for (char c : rel) d += c == '/';
  if (d != depth) return true;
  uint64_t h = 1469598103934665603ull;  // FNV-1a: the same on every rank and every machine
  for (unsigned char c : rel) h = (h ^ c) * 1099511628211ull;
  return static_cast<int>(h % static_cast<uint64_t>(ranks)) == rank;
}

namespace build_detail {

std::string absolute_dir(const std::string& d) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(d, ec);
  if (ec) p = d;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace build_detail

bool is_dskit_temp(std::string_view name) {
  // .NAME.dskit-XXXXXX.tmp: a dot, a non-empty NAME, ".dskit-", six of [A-Za-z0-9], ".tmp".
  constexpr std::string_view kMid = ".dskit-", kEnd = ".tmp";
  constexpr std::size_t kRandom = 6;
  if (name.size() < 1 + 1 + kMid.size() + kRandom + kEnd.size() || name[0] != '.') return false;
  if (name.substr(name.size() - kEnd.size()) != kEnd) return false;
  const std::string_view random = name.substr(name.size() - kEnd.size() - kRandom, kRandom);
  for (char c : random)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return name.substr(name.size() - kEnd.size() - kRandom - kMid.size(), kMid.size()) == kMid;
}

namespace build_detail {

class ScanVisitor : public WalkVisitor {
 public:
  ScanVisitor(const EntryFilter& f, unsigned workers, BuildProgress* p)
      : f_(f), per_(workers), progress_(p) {}

  Action on_entry(const Entry& e, unsigned worker) override {
    if (others_ && e.type != FileType::file && e.type != FileType::dir && !is_dskit_temp(e.name)) {
      append_escaped(per_[worker].others.emplace_back(), e.rel);
      return Action::proceed;
    }
    if (e.type != FileType::file || !f_.match(e)) return Action::proceed;
    // Files above the depth the ranks share out are rank 0's.
    if (share_ && e.depth < share_->depth && share_->rank != 0) return Action::proceed;
    if (is_dskit_temp(e.name)) return Action::proceed;
    for (const auto& s : skip_)
      if (e.rel == s) return Action::proceed;
    auto& w = per_[worker];
    // The escaped path goes to the worker's arena (NUL-terminated, for openat); no allocation per file.
    const std::size_t off = w.arena->size();
    append_escaped(*w.arena, e.rel);
    w.files.push_back({off, w.arena->size() - off, e.st});
    w.arena->push_back('\0');
    if (progress_ && ++w.unreported == 256) {
      progress_->files_found.fetch_add(w.unreported, std::memory_order_relaxed);
      w.unreported = 0;
    }
    return Action::proceed;
  }
  void on_error(const PathError& err, bool root, unsigned) override {
    std::lock_guard lk(mu_);
    errors.push_back(err);
    root_failed = root_failed || root;
  }

  struct Pending {
    std::size_t off, len;
    StatInfo st;
  };
  struct alignas(64) Worker {
    std::unique_ptr<std::string> arena = std::make_unique<std::string>();
    std::vector<Pending> files;
    std::vector<std::string> others;
    uint64_t unreported = 0;
  };
  const EntryFilter& f_;
  const WalkShare* share_ = nullptr;
  bool others_ = false;
  std::vector<std::string> skip_;  // relative paths to leave out
  std::vector<Worker> per_;
  BuildProgress* progress_;
  std::mutex mu_;
  std::vector<PathError> errors;
  bool root_failed = false;
};
}  // namespace build_detail

using namespace build_detail;

namespace {

// The path of `file` relative to `root` (both resolved through symlinks), or "" when it is not inside.
std::string rel_inside(const std::string& root, const std::string& file) {
  if (file.empty() || file == "-") return {};
  std::error_code ec;
  const auto r = std::filesystem::weakly_canonical(root, ec);
  if (ec) return {};
  const auto f = std::filesystem::weakly_canonical(file, ec);
  if (ec) return {};
  const std::string rs = r.string(), fs = f.string();
  const std::string prefix = rs.back() == '/' ? rs : rs + "/";
  if (fs.size() <= prefix.size() || fs.compare(0, prefix.size(), prefix) != 0) return {};
  return fs.substr(prefix.size());
}

}  // namespace

ScanResult scan_tree(const std::string& root, const Selection& sel, unsigned threads, BuildProgress* progress,
                     bool need_stat, const std::vector<std::string>& skip, const WalkShare* share) {
  ScanResult r;
  struct stat st {};
  if (const int err = ::stat(root.c_str(), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR) {
    r.errors.push_back({root, err, "stat"});
    r.root_failed = true;
    return r;
  }
  EntryFilter f;
  f.types = {FileType::file};
  f.names = sel.names;
  f.excludes = sel.excludes;
  f.no_hidden = sel.no_hidden;
  if (!sel.regex.empty()) {
    if (auto err = Regex::compile(sel.regex, f.regex)) {
      r.setup_error = *err;
      return r;
    }
  }
  WalkOptions w;
  w.threads = choose_threads({root}, threads);
  w.max_depth = sel.max_depth;
  w.follow = sel.follow;
  w.one_file_system = sel.one_file_system;
  w.need_stat = need_stat;
  const bool shared = share && share->ranks > 1;
  if (f.prunes() || shared)
    w.prune = [&f, shared, share](std::string_view rel, std::string_view name, FileType) {
      if (shared && !share->mine(rel)) return true;
      return f.prunes() && f.prune(rel, name);
    };
  ScanVisitor v(f, w.threads, progress);
  if (shared) v.share_ = share;
  v.others_ = sel.list_others;
  for (const auto& file : skip) {
    std::string rel = rel_inside(root, file);
    if (rel.empty()) continue;
    // The manifest's lock file beside it (.NAME.lock) is dskit's own too.
    const std::size_t slash = rel.rfind('/');
    const std::size_t name_at = slash == std::string::npos ? 0 : slash + 1;
    v.skip_.push_back(rel.substr(0, name_at) + "." + rel.substr(name_at) + ".lock");
    v.skip_.push_back(std::move(rel));
  }
  r.walk = walk({root}, w, v);
  std::size_t total = 0;
  for (auto& pw : v.per_) total += pw.files.size();
  r.files.reserve(total);
  for (auto& pw : v.per_) {
    for (auto& o : pw.others) r.others.push_back(std::move(o));
    const char* base = pw.arena->data();
    for (const auto& p : pw.files) r.files.push_back({std::string_view(base + p.off, p.len), p.st});
    if (progress) progress->files_found.fetch_add(pw.unreported, std::memory_order_relaxed);
    pw.files = {};
    r.names.push_back(std::move(pw.arena));
  }
  tbb::parallel_sort(r.files.begin(), r.files.end(),
                     [](const FileRecord& a, const FileRecord& b) { return a.rel < b.rel; });
  std::sort(r.others.begin(), r.others.end());
  r.errors = std::move(v.errors);
  r.root_failed = v.root_failed;
  return r;
}
}  // namespace dskit
