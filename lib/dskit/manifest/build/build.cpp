#include "dskit/manifest/build/build.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_sort.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "dskit/base/enum_names.h"
#include "dskit/base/text.h"
#include "dskit/hash/hash.h"
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

// ---- Scanning --------------------------------------------------------------------------------------

namespace build_detail {

std::string absolute_dir(const std::string& d) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(d, ec);
  if (ec) p = d;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

class ScanVisitor : public WalkVisitor {
 public:
  ScanVisitor(const EntryFilter& f, unsigned workers, BuildProgress* p)
      : f_(f), per_(workers), progress_(p) {}

  Action on_entry(const Entry& e, unsigned worker) override {
    if (e.type != FileType::file || !f_.match(e)) return Action::proceed;
    // Files above the depth the ranks share out are rank 0's.
    if (share_ && e.depth < share_->depth && share_->rank != 0) return Action::proceed;
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
    uint64_t unreported = 0;
  };
  const EntryFilter& f_;
  const WalkShare* share_ = nullptr;
  std::vector<std::string> skip_;  // relative paths to leave out
  std::vector<Worker> per_;
  BuildProgress* progress_;
  std::mutex mu_;
  std::vector<PathError> errors;
  bool root_failed = false;
};

unsigned hash_threads(const std::string& root, unsigned requested) {
  if (requested) return requested;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return std::max(hw, std::min(choose_threads({root}, 0), 4 * hw));
}

// Hashes files[which[k]] into out[k], refreshing their stat data from the open descriptor so that size,
// mtime and hash describe the same file.
void hash_files(const std::string& root, std::vector<FileRecord>& files,
                const std::vector<std::size_t>& which, HashAlgo a, unsigned threads,
                std::vector<HashOut>& out, BuildProgress* progress) {
  out.assign(which.size(), {});
  if (which.empty()) return;
  const int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    const int err = errno;
    for (auto& o : out) o.err = err, o.op = "open";
    return;
  }
  if (progress) {
    uint64_t bytes = 0;
    for (std::size_t i : which) bytes += files[i].st.size;
    progress->files_to_hash = which.size();
    progress->bytes_to_hash = bytes;
    progress->hashing = true;
  }
  tbb::enumerable_thread_specific<FileHasher> hashers;
  // More threads than cores help on latency-bound storage; oneTBB caps arenas at the core count otherwise.
  tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, which.size(), 1), [&](const auto& range) {
      FileHasher& h = hashers.local();
      std::string raw;
      for (std::size_t k = range.begin(); k != range.end(); ++k) {
        FileRecord& f = files[which[k]];
        const char* p = f.rel.data();  // NUL-terminated in its arena
        if (f.rel.find('\\') != std::string_view::npos) {
          unescape_field(f.rel, raw);
          p = raw.c_str();
        }
        HashOut& o = out[k];
        const int fd = ::openat(rootfd, p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
          o.err = errno, o.op = "open";
          continue;
        }
        struct stat st {};
        uint64_t hint = ~uint64_t{0};
        if (::fstat(fd, &st) == 0) {
          f.st.size = hint = static_cast<uint64_t>(st.st_size);
          f.st.mtime_ns = clamped_ns(st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
          f.st.ino = st.st_ino;
        }
        uint64_t bytes = 0;
        o.err = h.hash_fd(fd, a, o.hex, &bytes, hint);
        if (o.err) o.op = "read";
        ::close(fd);
        if (progress) {
          progress->files_hashed.fetch_add(1, std::memory_order_relaxed);
          progress->bytes_hashed.fetch_add(bytes, std::memory_order_relaxed);
        }
      }
    });
  });
  ::close(rootfd);
}

// A file listed by the walk and gone when opened: a live tree, not an error (as the walker treats it).
bool vanished(const HashOut& h) {
  return h.err == ENOENT && h.op != nullptr && std::string_view(h.op) == "open";
}

std::string join_path(const std::string& root, std::string_view rel_escaped) {
  std::string s = root;
  if (s.empty() || s.back() != '/') s += '/';
  s += unescape_field(rel_escaped);
  return s;
}

void fill_row(Manifest& m, std::size_t row, const FileRecord& f) {
  m.set_cell(row, static_cast<std::size_t>(m.path_col()), f.rel);
  if (m.size_col() >= 0) m.set_cell_uint(row, static_cast<std::size_t>(m.size_col()), f.st.size);
  if (m.mtime_col() >= 0) m.set_cell_int(row, static_cast<std::size_t>(m.mtime_col()), f.st.mtime_ns);
  if (m.ino_col() >= 0) m.set_cell_uint(row, static_cast<std::size_t>(m.ino_col()), f.st.ino);
}

// For each scanned file (sorted by escaped path), the manifest row with the same path, or -1. A merge of
// two sorted lists when the manifest is in path order (as build and update write it), a hash map otherwise.
std::vector<std::ptrdiff_t> match_rows(const std::vector<FileRecord>& files, const Manifest& m) {
  std::vector<std::ptrdiff_t> rows(files.size(), -1);
  bool sorted = true;
  for (std::size_t i = 1; i < m.size() && sorted; ++i) sorted = m.path_escaped(i - 1) < m.path_escaped(i);
  if (sorted) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::string_view p = files[i].rel;
      while (j < m.size() && m.path_escaped(j) < p) ++j;
      if (j < m.size() && m.path_escaped(j) == p) rows[i] = static_cast<std::ptrdiff_t>(j++);
    }
    return rows;
  }
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(m.size() * 2);
  for (std::size_t i = 0; i < m.size(); ++i) index.emplace(m.path_escaped(i), i);  // the first of duplicates
  for (std::size_t i = 0; i < files.size(); ++i)
    if (auto it = index.find(files[i].rel); it != index.end())
      rows[i] = static_cast<std::ptrdiff_t>(it->second);
  return rows;
}

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
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    r.errors.push_back({root, ::stat(root.c_str(), &st) != 0 ? errno : ENOTDIR, "stat"});
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
      r.errors.push_back({sel.regex, EINVAL, "regex: " + *err});
      r.root_failed = true;
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
  for (const auto& file : skip)
    if (std::string rel = rel_inside(root, file); !rel.empty()) v.skip_.push_back(std::move(rel));
  r.walk = walk({root}, w, v);
  std::size_t total = 0;
  for (auto& pw : v.per_) total += pw.files.size();
  r.files.reserve(total);
  for (auto& pw : v.per_) {
    const char* base = pw.arena->data();
    for (const auto& p : pw.files) r.files.push_back({std::string_view(base + p.off, p.len), p.st});
    if (progress) progress->files_found.fetch_add(pw.unreported, std::memory_order_relaxed);
    pw.files = {};
    r.names.push_back(std::move(pw.arena));
  }
  tbb::parallel_sort(r.files.begin(), r.files.end(),
                     [](const FileRecord& a, const FileRecord& b) { return a.rel < b.rel; });
  r.errors = std::move(v.errors);
  r.root_failed = v.root_failed;
  return r;
}

// ---- build ------------------------------------------------------------------------------------------

void build_detail::assemble_build(const std::string& root, const BuildOptions& opts, const Labeler& labeler,
                                  const std::vector<FileRecord>& files, const std::vector<HashOut>& hashes,
                                  BuildResult& r) {
  Manifest& m = r.manifest;
  m = make_manifest(root, opts.hash, labeler.enabled());
  LabelOptions rec = opts.sel.labels;
  if (rec.mode == LabelOptions::Mode::csv) rec.csv_file = absolute_dir(rec.csv_file);
  Selection sel = opts.sel;
  sel.labels = rec;
  record_selection(sel, m);
  m.reserve(files.size(), files.size() * 96);
  std::string raw;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FileRecord& f = files[i];
    if (!hashes.empty() && hashes[i].err) {
      if (!vanished(hashes[i])) r.errors.push_back({join_path(root, f.rel), hashes[i].err, hashes[i].op});
      continue;
    }
    const std::size_t row = m.add_row();
    fill_row(m, row, f);
    if (m.hash_col() >= 0) {
      m.set_cell(row, static_cast<std::size_t>(m.hash_col()), hashes[i].hex);
      r.bytes_hashed += f.st.size;
    }
    if (m.label_col() >= 0) {
      unescape_field(f.rel, raw);
      m.set_cell_raw(row, static_cast<std::size_t>(m.label_col()), labeler.label(raw));
    }
  }
}

BuildResult build_manifest(const std::string& dir, const BuildOptions& opts, BuildProgress* progress) {
  BuildResult r;
  std::unique_ptr<Labeler> labeler;
  if (auto err = Labeler::create(opts.sel.labels, labeler)) {
    r.setup_error = *err;
    return r;
  }
  const std::string root = absolute_dir(dir);
  // When hashing, the stat data comes from fstat on the open file (consistent with what was hashed), so
  // the walk needs only names and d_type.
  ScanResult s =
      scan_tree(root, opts.sel, opts.threads, progress, opts.hash == HashAlgo::none, opts.skip_files);
  r.walk = s.walk;
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  std::vector<std::size_t> all(s.files.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<HashOut> hashes;
  if (opts.hash != HashAlgo::none)
    hash_files(root, s.files, all, opts.hash, hash_threads(root, opts.threads), hashes, progress);

  assemble_build(root, opts, *labeler, s.files, hashes, r);
  return r;
}

// ---- update -----------------------------------------------------------------------------------------

namespace {

UpdateResult update_with_scan(const Manifest& old, ScanResult s, const Selection& sel,
                              const UpdateOptions& opts, BuildProgress* progress);

}  // namespace

UpdateResult update_manifest(const Manifest& old, const UpdateOptions& opts, BuildProgress* progress) {
  Selection sel;
  if (auto err = read_selection(old, sel)) {
    UpdateResult r;
    r.setup_error = *err;
    return r;
  }
  return update_with_scan(old, scan_tree(old.root, sel, opts.threads, progress, true, opts.skip_files), sel,
                          opts, progress);
}

UpdateResult update_manifest_file(const std::string& file, const LoadOptions& lo, const UpdateOptions& opts,
                                  BuildProgress* progress, std::optional<ManifestError>& load_error) {
  UpdateResult r;
  std::string text;
  if ((load_error = read_manifest_text(file, text))) return r;
  // The metadata and header lines alone tell the root and the selection.
  std::size_t head_end = text.find('\n');
  if (head_end != std::string::npos) head_end = text.find('\n', head_end + 1);
  Manifest head;
  if ((load_error = parse_manifest(text.substr(0, head_end == std::string::npos ? text.size() : head_end + 1),
                                   file, lo, head)))
    return r;
  Selection sel;
  if (auto err = read_selection(head, sel)) {
    r.setup_error = *err;
    return r;
  }
  ScanResult scan;
  std::thread walker(
      [&] { scan = scan_tree(head.root, sel, opts.threads, progress, true, opts.skip_files); });
  Manifest old;
  load_error = parse_manifest(std::move(text), file, lo, old);
  walker.join();
  if (load_error) return r;
  return update_with_scan(old, std::move(scan), sel, opts, progress);
}

namespace {

UpdateResult update_with_scan(const Manifest& old, ScanResult s, const Selection& sel,
                              const UpdateOptions& opts, BuildProgress* progress) {
  UpdateResult r;
  std::unique_ptr<Labeler> labeler;
  if (auto err = Labeler::create(sel.labels, labeler)) {
    r.setup_error = *err;
    return r;
  }
  const std::string& root = old.root;
  const unsigned threads = opts.threads;
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  const bool hashing = old.hash != HashAlgo::none && old.hash_col() >= 0;
  const std::vector<std::ptrdiff_t> prev = match_rows(s.files, old);  // the old row of each file, or -1
  std::vector<std::size_t> to_hash;
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileRecord& f = s.files[i];
    bool same = false;
    if (prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      same = old.file_size(o) == f.st.size && old.mtime_ns(o) == f.st.mtime_ns &&
             (old.ino_col() < 0 || old.ino(o) == f.st.ino) && (!hashing || !old.hash_hex(o).empty());
    }
    if (!same && hashing) to_hash.push_back(i);
    if (same) ++r.unchanged;
  }
  if (opts.skip_if_identical && r.errors.empty() && r.unchanged == old.size() &&
      s.files.size() == old.size()) {
    bool aligned = true;
    for (std::size_t i = 0; i < prev.size() && aligned; ++i)
      aligned = prev[i] == static_cast<std::ptrdiff_t>(i);
    if (aligned) {
      r.identical = true;
      return r;
    }
  }
  std::vector<HashOut> hashes;
  if (hashing) hash_files(root, s.files, to_hash, old.hash, hash_threads(root, threads), hashes, progress);
  std::vector<std::ptrdiff_t> hash_slot(s.files.size(), -1);
  for (std::size_t k = 0; k < to_hash.size(); ++k) hash_slot[to_hash[k]] = static_cast<std::ptrdiff_t>(k);

  // The result keeps the old columns and metadata; rows are rebuilt in path order.
  Manifest& m = r.manifest;
  m.root = old.root;
  m.hash = old.hash;
  m.extra_meta = old.extra_meta;
  for (const auto& c : old.column_names()) m.add_column(c);
  m.reserve(s.files.size(), s.files.size() * 96);
  std::string raw;
  std::vector<bool> seen(old.size(), false);
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileRecord& f = s.files[i];
    const std::ptrdiff_t slot = hash_slot[i];
    if (slot >= 0 && hashes[static_cast<std::size_t>(slot)].err) {
      const auto& h = hashes[static_cast<std::size_t>(slot)];
      if (!vanished(h)) r.errors.push_back({join_path(root, f.rel), h.err, h.op});
      continue;
    }
    const std::size_t row = m.add_row();
    if (prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      seen[o] = true;
      for (std::size_t c = 0; c < m.num_columns(); ++c) {
        const int ci = static_cast<int>(c);
        if (ci == m.path_col() || ci == m.size_col() || ci == m.mtime_col() || ci == m.ino_col() ||
            (slot >= 0 && ci == m.hash_col()))
          continue;  // written below
        m.set_cell(row, c, old.cell(o, c));
      }
    } else {
      ++r.added;
      if (m.label_col() >= 0) {
        unescape_field(f.rel, raw);
        m.set_cell_raw(row, static_cast<std::size_t>(m.label_col()), labeler->label(raw));
      }
    }
    fill_row(m, row, f);
    if (slot >= 0) {
      const std::string& hex = hashes[static_cast<std::size_t>(slot)].hex;
      r.bytes_hashed += f.st.size;
      if (prev[i] >= 0) {
        ++r.rehashed;
        const auto o = static_cast<std::size_t>(prev[i]);
        if (old.hash_hex(o) != hex || old.file_size(o) != f.st.size) ++r.modified;
      }
      m.set_cell(row, static_cast<std::size_t>(m.hash_col()), hex);
    } else if (!hashing && prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      if (old.file_size(o) != f.st.size || old.mtime_ns(o) != f.st.mtime_ns) ++r.modified;
    }
  }
  for (std::size_t o = 0; o < old.size(); ++o)
    if (!seen[o]) ++r.removed;
  // Identical when every row is the old row at the same position with the same cells.
  r.identical = r.added == 0 && r.removed == 0 && m.size() == old.size() && r.errors.empty();
  for (std::size_t i = 0; r.identical && i < m.size(); ++i) {
    if (prev[i] != static_cast<std::ptrdiff_t>(i)) r.identical = false;
    for (std::size_t c = 0; r.identical && c < m.num_columns(); ++c)
      if (m.cell(i, c) != old.cell(i, c)) r.identical = false;
  }
  return r;
}

}  // namespace

// ---- verify -----------------------------------------------------------------------------------------

constexpr EnumName<VerifyIssue::Kind> kVerifyKinds[] = {{VerifyIssue::Kind::missing, "missing"},
                                                        {VerifyIssue::Kind::changed, "changed"},
                                                        {VerifyIssue::Kind::added, "new"},
                                                        {VerifyIssue::Kind::unreadable, "unreadable"}};

const char* kind_name(VerifyIssue::Kind k) {
  return enum_name(kVerifyKinds, k).data();
}  // literals: NUL-ended

VerifyResult verify_manifest(const Manifest& m, const VerifyOptions& opts, BuildProgress* progress) {
  VerifyResult r;
  Selection sel;
  if (auto err = read_selection(m, sel)) {
    r.setup_error = *err;
    return r;
  }
  ScanResult s = scan_tree(m.root, sel, opts.threads, progress, true, opts.skip_files);
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  // The file of each manifest row, or -1.
  std::vector<std::ptrdiff_t> file_of(m.size(), -1);
  {
    const std::vector<std::ptrdiff_t> rows = match_rows(s.files, m);
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i] >= 0) file_of[static_cast<std::size_t>(rows[i])] = static_cast<std::ptrdiff_t>(i);
  }
  // A path listed more than once (e.g. the padding rows of `shard --pad`) is checked against the same file.
  if (std::find(file_of.begin(), file_of.end(), -1) != file_of.end()) {
    std::unordered_map<std::string_view, std::ptrdiff_t> matched;
    for (std::size_t row = 0; row < m.size(); ++row)
      if (file_of[row] >= 0) matched.emplace(m.path_escaped(row), file_of[row]);
    for (std::size_t row = 0; row < m.size(); ++row)
      if (file_of[row] < 0)
        if (auto it = matched.find(m.path_escaped(row)); it != matched.end()) file_of[row] = it->second;
  }
  std::vector<bool> listed(s.files.size(), false);
  std::vector<std::size_t> to_hash;   // file indexes
  std::vector<std::size_t> hash_row;  // the manifest row of each
  const bool full = opts.full && m.hash_col() >= 0;
  for (std::size_t row = 0; row < m.size(); ++row) {
    ++r.checked;
    const std::string_view p = m.path_escaped(row);
    if (file_of[row] < 0) {
      r.issues.push_back({VerifyIssue::Kind::missing, std::string(p), ""});
      continue;
    }
    const auto fi = static_cast<std::size_t>(file_of[row]);
    listed[fi] = true;
    const FileRecord& f = s.files[fi];
    std::string detail;
    if (m.size_col() >= 0 && m.file_size(row) != f.st.size)
      detail = "size " + std::to_string(m.file_size(row)) + " != " + std::to_string(f.st.size);
    else if (!full && m.mtime_col() >= 0 && m.mtime_ns(row) != f.st.mtime_ns)
      detail = "mtime";
    if (!detail.empty()) {
      r.issues.push_back({VerifyIssue::Kind::changed, std::string(p), detail});
      continue;
    }
    if (full) {
      to_hash.push_back(fi);
      hash_row.push_back(row);
    }
  }
  for (std::size_t i = 0; i < s.files.size(); ++i)
    if (!listed[i]) r.issues.push_back({VerifyIssue::Kind::added, std::string(s.files[i].rel), ""});
  if (full) {
    std::vector<HashOut> hashes;
    hash_files(m.root, s.files, to_hash, m.hash, hash_threads(m.root, opts.threads), hashes, progress);
    for (std::size_t k = 0; k < to_hash.size(); ++k) {
      const std::size_t row = hash_row[k];
      const std::string_view p = m.path_escaped(row);
      if (vanished(hashes[k])) {
        r.issues.push_back({VerifyIssue::Kind::missing, std::string(p), ""});
        continue;
      }
      if (hashes[k].err) {
        r.issues.push_back({VerifyIssue::Kind::unreadable, std::string(p),
                            describe(PathError{join_path(m.root, p), hashes[k].err, hashes[k].op})});
        continue;
      }
      r.bytes_hashed += s.files[to_hash[k]].st.size;
      if (hashes[k].hex != m.hash_hex(row))
        r.issues.push_back({VerifyIssue::Kind::changed, std::string(p), "content"});
    }
  }
  std::stable_sort(r.issues.begin(), r.issues.end(),
                   [](const VerifyIssue& a, const VerifyIssue& b) { return a.path < b.path; });
  for (const auto& i : r.issues) {
    switch (i.kind) {
      case VerifyIssue::Kind::missing:
        ++r.missing;
        break;
      case VerifyIssue::Kind::changed:
        ++r.changed;
        break;
      case VerifyIssue::Kind::added:
        ++r.added;
        break;
      case VerifyIssue::Kind::unreadable:
        ++r.unreadable;
        break;
    }
  }
  return r;
}

}  // namespace dskit
