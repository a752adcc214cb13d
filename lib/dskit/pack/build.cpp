// dspack build: the source listed (a directory walked as dsmanifest walks it, or a manifest's rows), its
// files grouped into WebDataset samples, ordered (path order or a seeded shuffle), the shards planned from
// the listed sizes, then written several at once (one writer thread per shard), each file read beneath the
// root straight into its shard's buffer and hashed there (or, on slow storage, by reader threads ahead of
// the writer), through base/fileio; the indexes follow once every shard is named.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "dskit/base/fileio.h"
#include "dskit/base/fstype.h"
#include "dskit/base/json.h"
#include "dskit/hash/hash.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/open.h"
#include "dskit/manifest/manifest.h"
#include "dskit/order/shuffle.h"
#include "dskit/pack/pack.h"
#include "dskit/pack/parts.h"
#include "dskit/tar/writer.h"

namespace dskit::pack {

namespace {

struct Source {
  std::string rel;    // raw
  uint64_t size = 0;  // as listed: the read is bounded by it
  int64_t mtime_s = 0;
  std::string label;
  std::size_t split = 0;  // with --by: the series (index into the split names)
};

struct PlannedSample {
  std::string key;
  std::vector<std::size_t> files;  // indexes into the sources, by name
  std::string label;
  int64_t cls = -1;  // the class index; -1: no .cls member
  std::size_t split = 0;
};

// One sample in flight: its members' bytes and hashes, or the first error.
struct Job {
  const PlannedSample* sample = nullptr;
  std::vector<std::string> data, hex;
  std::optional<PathError> error;
};

std::optional<std::string> list_directory(const BuildOptions& o, const std::string& root, unsigned threads,
                                          std::vector<Source>& out, BuildResult& r) {
  Selection sel;
  sel.labels = o.labels;
  sel.list_others = true;
  std::unique_ptr<Labeler> labeler;
  if (auto e = Labeler::create(o.labels, labeler)) return *e;
  ScanResult scan = scan_tree(root, sel, threads, nullptr, true);
  if (!scan.setup_error.empty()) return scan.setup_error;
  if (scan.root_failed) {
    if (!scan.errors.empty()) return describe(scan.errors.front());
    return root + ": cannot read the directory";
  }
  for (auto& e : scan.errors) r.errors.push_back(std::move(e));
  // The output directory, when inside the root, is not a source.
  std::string out_rel;
  {
    const std::string out_abs = std::filesystem::weakly_canonical(o.out_dir).string();
    if (out_abs.size() > root.size() && out_abs.compare(0, root.size(), root) == 0 &&
        out_abs[root.size()] == '/')
      out_rel = out_abs.substr(root.size() + 1) + "/";
  }
  // Symlinks, FIFOs, sockets and devices are not packed (as dsmanifest leaves them out), but said.
  for (const auto& other : scan.others) {
    if (!out_rel.empty() && unescape_field(other).compare(0, out_rel.size(), out_rel) == 0) continue;
    r.warnings.push_back(other + ": skipped (not a regular file: a symbolic link is not followed)");
    ++r.skipped;
  }
  out.reserve(scan.files.size());
  for (const auto& f : scan.files) {
    Source s;
    s.rel = unescape_field(f.rel);
    if (!out_rel.empty() && s.rel.compare(0, out_rel.size(), out_rel) == 0) continue;
    s.size = f.st.size;
    s.mtime_s = f.st.mtime_ns / 1000000000;
    s.label = labeler->label(s.rel);
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

// A manifest's rows; with `by`, each row's split (the value of that column, named in `splits` in order of
// first appearance; a row with an empty value is skipped with a warning).
std::optional<std::string> list_manifest(const std::string& file, const std::string& by, std::string& root,
                                         std::vector<Source>& out, std::vector<std::string>& splits,
                                         BuildResult& r) {
  Manifest m;
  if (auto e = load_manifest(
          file, {.root_override = {}, .allow_outside_root = false, .outside_root_hint = false}, m))
    return describe(*e);
  if (m.path_col() < 0) return file + ": the manifest has no path column";
  const int by_col = by.empty() ? -1 : m.find_column(by);
  if (!by.empty() && by_col < 0)
    return file + ": --by " + by + ": the manifest has no such column (dsmanifest split writes 'split')";
  std::unordered_map<std::string, std::size_t> split_of;
  root = m.root;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    Source s;
    if (by_col >= 0) {
      std::string v = unescape_field(m.cell(i, std::size_t(by_col)));
      if (v.empty()) {
        r.warnings.push_back(std::string(m.path_escaped(i)) + ": skipped (no " + by + " value)");
        ++r.skipped;
        continue;
      }
      if (!series_name_ok(v))
        return fmt::format("{}:{}: --by {}: '{}' cannot name shards (letters, digits, '_', '-', '.')", file,
                           i + 3, by, escape_field(v));
      auto [it, fresh] = split_of.try_emplace(v, splits.size());
      if (fresh) splits.push_back(std::move(v));
      s.split = it->second;
    }
    s.rel = m.path(i);
    s.size = m.file_size(i);
    s.mtime_s = m.mtime_ns(i) / 1000000000;
    s.label = m.label(i);
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

// Groups the sources into samples by key, in order of each key's first source; members sorted by name.
std::vector<PlannedSample> group(const std::vector<Source>& src, bool cls, BuildResult& r) {
  std::vector<PlannedSample> samples;
  std::unordered_map<std::string, std::size_t> by_key;
  by_key.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    const auto k = split_key(src[i].rel);
    if (!k) {
      r.warnings.push_back(escape_field(src[i].rel) +
                           ": skipped (no WebDataset key and extension in the name)");
      ++r.skipped;
      continue;
    }
    // Samples do not cross splits: the same key in two splits is two samples.
    auto [it, fresh] =
        by_key.try_emplace(std::to_string(src[i].split) + "/" + std::string(k->key), samples.size());
    if (fresh) samples.push_back({std::string(k->key), {}, {}, -1, src[i].split});
    samples[it->second].files.push_back(i);
  }
  std::vector<std::string> classes;
  for (auto& s : samples) {
    std::sort(s.files.begin(), s.files.end(),
              [&](std::size_t a, std::size_t b) { return src[a].rel < src[b].rel; });
    for (std::size_t f : s.files)
      if (!src[f].label.empty()) {
        s.label = src[f].label;
        break;
      }
    if (!s.label.empty()) classes.push_back(s.label);
  }
  // The class index: the label's place among the sorted labels (torchvision's ImageFolder class order).
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  for (auto& s : samples) {
    if (!cls || s.label.empty()) continue;
    const bool taken = std::any_of(s.files.begin(), s.files.end(),
                                   [&](std::size_t f) { return split_key(src[f].rel)->ext == "cls"; });
    if (taken) {
      r.warnings.push_back(escape_field(s.key) + ": has its own .cls member; no label member added");
      continue;
    }
    s.cls = std::lower_bound(classes.begin(), classes.end(), s.label) - classes.begin();
  }
  return samples;
}

// A tar member larger than this is not read ahead: the writer thread streams it into the shard in chunks of
// kChunk bytes (hashing them), so memory stays bounded whatever the file sizes.
constexpr uint64_t kStreamAbove = uint64_t{16} << 20;
constexpr std::size_t kChunk = std::size_t{1} << 20;

// Reads the sample's files beneath the root, each bounded by its listed size, and hashes them; a file above
// `stream_above` is left to the writer (empty data and hash).
void read_sample(int rootfd, const std::vector<Source>& src, uint64_t stream_above, Job& job) {
  const auto& files = job.sample->files;
  job.data.resize(files.size());
  job.hex.resize(files.size());
  for (std::size_t k = 0; k < files.size(); ++k) {
    const Source& s = src[files[k]];
    if (s.size > stream_above) continue;
    BeneathFile f;
    if (const int err = open_beneath(rootfd, s.rel.c_str(), f)) {
      job.error = PathError{escape_field(s.rel), err, "open", f.detail ? f.detail : ""};
      return;
    }
    std::string& d = job.data[k];
    std::optional<PathError> e;
    if (uint64_t(f.st.st_size) != s.size) {
      e = PathError{escape_field(s.rel), 0, "read", "size changed since it was listed"};
    } else {
      d.resize(s.size + 1);  // one byte more: a file grown since its fstat shows
      std::size_t got = 0;
      while (got < d.size()) {
        const ssize_t n = ::read(f.fd, d.data() + got, d.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          e = PathError{escape_field(s.rel), errno, "read"};
          break;
        }
        if (n == 0) break;
        got += std::size_t(n);
      }
      if (!e && got != s.size)
        e = PathError{escape_field(s.rel), 0, "read", "size changed while it was read"};
      d.resize(s.size);
    }
    ::close(f.fd);
    if (e) {
      job.error = std::move(e);
      return;
    }
    append_hash_hex(job.hex[k], d, HashAlgo::xxh3_128);
  }
}

// A growable byte buffer that does not zero-fill what it grows by: source files are read straight into it.
class ByteBuf {
 public:
  std::size_t size() const { return n_; }
  std::string_view view() const { return {p_.get(), n_}; }
  // Room for `more` bytes past the end (the size unchanged until grow).
  char* room(std::size_t more) {
    if (n_ + more > cap_) {
      const std::size_t cap = std::max(n_ + more, 2 * cap_);
      std::unique_ptr<char[]> q(new char[cap]);
      if (n_) std::memcpy(q.get(), p_.get(), n_);
      p_ = std::move(q);
      cap_ = cap;
    }
    return p_.get() + n_;
  }
  void grow(std::size_t k) { n_ += k; }
  void append(std::string_view s) {
    if (!s.empty()) std::memcpy(room(s.size()), s.data(), s.size());
    n_ += s.size();
  }
  void append_zeros(std::size_t k) {
    std::memset(room(k), 0, k);
    n_ += k;
  }
  void shrink(std::size_t n) { n_ = n; }

 private:
  std::unique_ptr<char[]> p_;
  std::size_t n_ = 0, cap_ = 0;
};

// The shard being written: its name, file, pending bytes, and what the indexes need. The pending bytes go
// out in writes of kFlushAt bytes or more: 256 KiB, which stays in the CPU's cache between the read(2) that
// fills it and the write(2) that copies it into the page cache (8 MiB buffers made that copy the largest
// cost of a hot-cache pack: 7-8 s of system time against 4-5 s, 280,000 files).
class ShardWriter {
 public:
  static constexpr std::size_t kFlushAt = std::size_t{256} << 10;

  ShardWriter(int dirfd, std::string dir) : dirfd_(dirfd), dir_(std::move(dir)) {}

  // Header bytes, data and padding of a member.
  static uint64_t member_bytes(std::string_view name, uint64_t size) {
    std::string h;
    tar::append_header(h, name, size, 0);
    return h.size() + size + tar::padding(size);
  }

  std::optional<PathError> open(std::string name) {
    name_ = std::move(name);
    pos_ = 0;
    samples_ = 0;
    dali_.clear();
    dali_ok_ = true;
    return file_.open_at(dirfd_, name_, dir_ + "/" + name_, {.durability = Durability::none});
  }
  bool is_open() const { return file_.is_open(); }
  uint64_t pos() const { return pos_ + buf_.size(); }
  uint64_t samples() const { return samples_; }
  const std::string& name() const { return name_; }

  // Appends a member; returns its data offset in the shard.
  uint64_t add(std::string_view name, std::string_view data, int64_t mtime) {
    const uint64_t off = begin_member(name, data.size(), mtime);
    buf_.append(data);
    end_member(data.size());
    return off;
  }
  // A member's data goes into the pending bytes directly: room(n) for up to n bytes, then grow by those
  // written; flush(false) between pieces of a large member.
  char* room(std::size_t n) { return buf_.room(n); }
  void grow(std::size_t n) { buf_.grow(n); }
  void end_member(uint64_t size) { buf_.append_zeros(tar::padding(size)); }
  // Drops what was written from the shard offset START on (a sample that failed half-way); the file is
  // truncated when part of it was already flushed.
  std::optional<PathError> rollback(uint64_t start) {
    dali_line_.clear();
    if (start >= pos_) {
      buf_.shrink(std::size_t(start - pos_));
      return std::nullopt;
    }
    buf_.shrink(0);
    if (::ftruncate(file_.fd(), off_t(start)) != 0 || ::lseek(file_.fd(), off_t(start), SEEK_SET) < 0) {
      PathError e{dir_ + "/" + name_, errno, "write"};
      file_.abort();
      return e;
    }
    pos_ = start;
    return std::nullopt;
  }
  uint64_t begin_member(std::string_view name, uint64_t size, int64_t mtime) {
    head_.clear();
    tar::append_header(head_, name, size, mtime);
    buf_.append(head_);
    const uint64_t off = pos();
    // DALI's line: "ext offset size name" per member; a name with white space cannot be written in it.
    if (name.find_first_of(" \t\n\r\v\f") != std::string_view::npos) dali_ok_ = false;
    const auto k = split_key(name);
    if (!dali_line_.empty()) dali_line_ += ' ';
    dali_line_ += k ? k->ext : std::string_view{};
    dali_line_ += ' ' + std::to_string(off) + ' ' + std::to_string(size) + ' ';
    dali_line_ += name;
    return off;
  }
  void end_sample() {
    ++samples_;
    dali_ += dali_line_;
    dali_ += '\n';
    dali_line_.clear();
  }
  std::optional<PathError> flush(bool all) {
    if (!all && buf_.size() < kFlushAt) return std::nullopt;
    if (auto e = file_.write(buf_.view())) {
      file_.abort();
      return e;
    }
    pos_ += buf_.size();
    buf_.shrink(0);
    return std::nullopt;
  }
  // Ends the archive and names it; fills `info`.
  std::optional<PathError> close(ShardInfo& info) {
    buf_.append_zeros(tar::kEndSize);
    if (auto e = flush(true)) return e;
    if (auto e = file_.commit()) return e;
    info = {name_,
            samples_,
            pos_,
            dali_ok_ ? "v1.2 " + std::to_string(samples_) + "\n" + dali_ : std::string(),
            {}};
    return std::nullopt;
  }
  void abort() { file_.abort(); }

 private:
  int dirfd_;
  std::string dir_, name_, head_, dali_, dali_line_;
  ByteBuf buf_;
  OutputFile file_;
  uint64_t pos_ = 0, samples_ = 0;
  bool dali_ok_ = true;
};

// Reads the source file S (opened beneath the root, bounded by its listed size) into the shard as the
// member NAME, straight into the shard's pending bytes, and hashes it there: its data offset and hash in
// `off` and `hex`. A file above `stream_above` goes in kChunk pieces, flushed as they fill the buffer, so
// it is never held whole. A source that cannot be read or changed size is `in_err` (the caller rolls the
// sample back), a failed shard write `out_err`.
void put_file(int rootfd, const Source& s, std::string_view name, int64_t mtime, uint64_t stream_above,
              ShardWriter& w, FileHasher& h, uint64_t& off, std::string& hex,
              std::optional<PathError>& in_err, std::optional<PathError>& out_err) {
  BeneathFile f;
  if (const int err = open_beneath(rootfd, s.rel.c_str(), f)) {
    in_err = PathError{escape_field(s.rel), err, "open", f.detail ? f.detail : ""};
    return;
  }
  if (uint64_t(f.st.st_size) != s.size) {
    ::close(f.fd);
    in_err = PathError{escape_field(s.rel), 0, "read", "size changed since it was listed"};
    return;
  }
  off = w.begin_member(name, s.size, mtime);
  const bool stream = s.size > stream_above;
  if (stream) h.begin(HashAlgo::xxh3_128);
  // A small file is read whole in one read(2) of one byte more than its listed size: a file grown since
  // its fstat shows, and a read that stops at the listed size is the file's end.
  char* const whole = stream ? nullptr : w.room(std::size_t(s.size) + 1);
  uint64_t got = 0;
  for (;;) {
    const std::size_t want =
        stream ? std::size_t(std::min<uint64_t>(kChunk, s.size - got + 1)) : std::size_t(s.size - got + 1);
    char* at = stream ? w.room(want) : whole + got;
    const ssize_t n = ::read(f.fd, at, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      in_err = PathError{escape_field(s.rel), errno, "read"};
      break;
    }
    if (n == 0) break;
    got += uint64_t(n);
    if (got > s.size) break;
    if (stream) {
      h.update({at, std::size_t(n)});
      w.grow(std::size_t(n));
      if ((out_err = w.flush(false))) break;
    } else if (got == s.size) {
      break;
    }
  }
  ::close(f.fd);
  if (in_err || out_err) return;
  if (got != s.size) {
    in_err = PathError{escape_field(s.rel), 0, "read", "size changed while it was read"};
    return;
  }
  hex.clear();
  if (stream) {
    h.finish(hex);
  } else {
    append_hash_hex(hex, {whole, std::size_t(s.size)}, HashAlgo::xxh3_128);
    w.grow(std::size_t(s.size));
  }
  w.end_member(s.size);
}

// MDS's columns: the members' extensions, the same for every sample, plain ASCII names.
std::optional<std::string> mds_columns(const std::vector<PlannedSample>& samples,
                                       const std::vector<Source>& src, std::vector<std::string>& out) {
  for (std::size_t i = 0; i < samples.size(); ++i) {
    std::vector<std::string> cols;
    for (std::size_t f : samples[i].files) cols.emplace_back(split_key(src[f].rel)->ext);
    if (samples[i].cls >= 0) cols.emplace_back("cls");
    std::sort(cols.begin(), cols.end());
    if (i == 0) {
      out = cols;
      for (const auto& c : cols)
        if (c.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            c.npos)
          return "--format mds: the extension '" + escape_field(c) + "' is not a plain column name";
    } else if (cols != out) {
      return "--format mds: every sample must have the same members (" + escape_field(samples[0].key) +
             " and " + escape_field(samples[i].key) + " differ)";
    }
  }
  return std::nullopt;
}

// Reads ahead of the writer: `threads` reader threads claim positions 0, 1, ... in turn (at most `window`
// ahead of the one being written, and at most `budget` bytes of samples held unless none is) and fill their
// Job with `read`; run() hands the Jobs to `write` in
// position order on the calling thread. Plain threads that block in read(2), not a task scheduler whose idle
// workers would spin on the cores the reads and the writer need.
class ReadAhead {
 public:
  using ReadFn = std::function<void(std::size_t, Job&)>;
  using BytesFn = std::function<uint64_t(std::size_t)>;
  ReadAhead(std::size_t n, unsigned threads, uint64_t budget, BytesFn bytes, ReadFn read)
      : n_(n),
        threads_(std::max(1u, threads)),
        window_(2 * std::size_t(threads_)),
        budget_(budget),
        bytes_(std::move(bytes)),
        read_(std::move(read)),
        slots_(window_) {}

  // Calls write(job) for every position in order; stops early when it returns false.
  void run(const std::function<bool(Job&)>& write) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads_; ++t) pool.emplace_back([this] { reader(); });
    for (std::size_t pos = 0; pos < n_; ++pos) {
      std::unique_ptr<Job> job;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return slots_[pos % window_] != nullptr; });
        job = std::move(slots_[pos % window_]);
        written_ = pos + 1;
      }
      const bool go_on = write(*job);
      {
        std::lock_guard lock(mu_);
        held_ -= bytes_(pos);
      }
      space_.notify_all();
      if (!go_on) break;
    }
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    space_.notify_all();
    for (auto& t : pool) t.join();
  }

 private:
  void reader() {
    for (;;) {
      std::size_t pos;
      {
        std::unique_lock lock(mu_);
        space_.wait(lock, [&] {
          return stop_ || claimed_ >= n_ ||
                 (claimed_ < written_ + window_ && (held_ == 0 || held_ + bytes_(claimed_) <= budget_));
        });
        if (stop_ || claimed_ >= n_) return;
        pos = claimed_++;
        held_ += bytes_(pos);
      }
      auto job = std::make_unique<Job>();
      read_(pos, *job);
      {
        std::lock_guard lock(mu_);
        slots_[pos % window_] = std::move(job);
      }
      ready_.notify_one();
    }
  }

  const std::size_t n_;
  const unsigned threads_;
  const std::size_t window_;
  const uint64_t budget_;
  BytesFn bytes_;
  ReadFn read_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::vector<std::unique_ptr<Job>> slots_;
  std::size_t claimed_ = 0, written_ = 0;
  uint64_t held_ = 0;  // bytes of the samples claimed and not yet written
  bool stop_ = false;
};

// A descriptor closed with its scope.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// 0 when the directory open at DIRFD has no entry, ENOTEMPTY when it has one, else the errno of the read.
int dir_empty(int dirfd) {
  std::vector<std::string> names;
  if (const int err = list_dir_names(dirfd, names)) return err;
  return names.empty() ? 0 : ENOTEMPTY;
}

// What the shard writers share: the planned samples in output order and where to read and write them.
struct Packer {
  const BuildOptions& o;
  const std::vector<Source>& src;
  const std::vector<PlannedSample>& samples;
  const std::vector<uint64_t>& order;  // position -> sample
  const std::vector<uint64_t>&
      sample_bytes;  // bytes a sample's read-ahead holds (streamed files not counted)
  int rootfd, outfd;
  uint64_t stream_above;
  std::atomic<bool> stop{false};  // a shard write failed: the other writers give up
};

// One index row of a shard, in member order.
struct Row {
  const PlannedSample* sample;
  std::string name, hex;
  uint64_t size, offset;
  bool file;
};

// What writing one shard gave: the shard, its rows, the sources that failed (their samples left out).
struct ShardOut {
  ShardInfo info;
  std::vector<Row> rows;
  std::vector<PathError> errors;
  std::optional<PathError> output_error;
  uint64_t samples = 0, members = 0, bytes = 0;
};

// The shards' plan, from the listed sizes, before anything is read: shard k holds the samples at positions
// [starts[k], starts[k + 1]). A shard is cut before the sample that would take it over --shard-size (or
// over --samples-per-shard); a sample never straddles two shards. The plan depends on the input and the
// options only, so several shards are written at once (or by several ranks) into the same bytes; a sample
// that fails when read leaves its shard shorter.
// With --by, a split's samples are consecutive and a new series of shards starts with each split.
std::vector<std::size_t> plan_shards(const Packer& p) {
  std::vector<std::size_t> starts;
  uint64_t at = 0, in_shard = 0;
  for (std::size_t pos = 0; pos < p.order.size(); ++pos) {
    const PlannedSample& s = p.samples[p.order[pos]];
    uint64_t bytes = 0;
    for (std::size_t f : s.files) bytes += ShardWriter::member_bytes(p.src[f].rel, p.src[f].size);
    if (s.cls >= 0) bytes += ShardWriter::member_bytes(s.key + ".cls", std::to_string(s.cls).size());
    if (starts.empty() || s.split != p.samples[p.order[pos - 1]].split ||
        (in_shard > 0 && ((p.o.samples_per_shard && in_shard >= p.o.samples_per_shard) ||
                          at + bytes + tar::kEndSize > p.o.shard_size))) {
      starts.push_back(pos);
      at = 0;
      in_shard = 0;
    }
    at += bytes;
    ++in_shard;
  }
  starts.push_back(p.order.size());
  return starts;
}

// Writes one sample into the shard: its members in name order, a file's bytes from the read-ahead JOB or,
// without one (and for a streamed file), read straight into the shard. False on a failed shard write.
bool put_sample(const Packer& p, const PlannedSample& s, const Job* job, ShardWriter& w, FileHasher& h,
                ShardOut& out) {
  const std::string cls_name = s.key + ".cls", cls_text = std::to_string(s.cls);
  struct Member {
    std::string_view name;
    const std::string* data;  // held bytes (read ahead, or the .cls text); null: read it from `source`
    const std::string* hex;
    const Source* source;
    int64_t mtime;
  };
  std::vector<Member> members;
  std::string cls_hex;
  for (std::size_t k = 0; k < s.files.size(); ++k) {
    const Source& f = p.src[s.files[k]];
    const bool held = job && f.size <= p.stream_above;
    members.push_back({f.rel, held ? &job->data[k] : nullptr, held ? &job->hex[k] : nullptr, &f,
                       p.o.mtime ? *p.o.mtime : f.mtime_s});
  }
  if (s.cls >= 0) {
    append_hash_hex(cls_hex, cls_text, HashAlgo::xxh3_128);
    // The .cls member takes the sample's first file's mtime.
    members.push_back(
        {cls_name, &cls_text, &cls_hex, nullptr, p.o.mtime ? *p.o.mtime : p.src[s.files[0]].mtime_s});
  }
  std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.name < b.name; });
  // The rows are kept once the whole sample is in the shard.
  const uint64_t start = w.pos();
  const std::size_t first_row = out.rows.size();
  for (const auto& m : members) {
    if (m.data) {
      out.rows.push_back({&s, std::string(m.name), *m.hex, m.data->size(), w.add(m.name, *m.data, m.mtime),
                          m.source != nullptr});
      continue;
    }
    std::optional<PathError> in_err, out_err;
    uint64_t off = 0;
    std::string hex;
    put_file(p.rootfd, *m.source, m.name, m.mtime, p.stream_above, w, h, off, hex, in_err, out_err);
    if (out_err) {
      out.output_error = std::move(out_err);
      return false;
    }
    if (in_err) {  // the sample is left out; the run goes on
      out.errors.push_back(std::move(*in_err));
      out.rows.resize(first_row);
      if (auto e = w.rollback(start)) {
        out.output_error = std::move(e);
        return false;
      }
      return true;
    }
    out.rows.push_back({&s, std::string(m.name), std::move(hex), m.source->size, off, true});
  }
  for (std::size_t k = first_row; k < out.rows.size(); ++k) out.bytes += out.rows[k].size;
  out.members += members.size();
  ++out.samples;
  w.end_sample();
  if (auto e = w.flush(false)) out.output_error = std::move(e);
  return !out.output_error;
}

// Writes the shard NAME, the samples at positions [begin, end): with `readers` > 1, reader threads read them
// ahead (slow storage: many reads in flight); with one, this thread reads each file straight into the shard.
void write_shard(Packer& p, const std::string& name, std::size_t begin, std::size_t end, unsigned readers,
                 uint64_t budget, ShardOut& out) {
  ShardWriter w(p.outfd, p.o.out_dir);
  if (auto e = w.open(name)) {
    out.output_error = std::move(e);
    p.stop = true;
    return;
  }
  FileHasher h(4096);  // its hash state only: streamed chunks are read into the shard's buffer
  out.rows.reserve(2 * (end - begin));  // a file and its .cls, the common sample
  bool ok = true;
  if (readers <= 1) {
    for (std::size_t pos = begin; ok && pos < end && !p.stop; ++pos)
      ok = put_sample(p, p.samples[p.order[pos]], nullptr, w, h, out);
  } else {
    ReadAhead ahead(
        end - begin, readers, budget, [&](std::size_t i) { return p.sample_bytes[p.order[begin + i]]; },
        [&](std::size_t i, Job& j) {
          j.sample = &p.samples[p.order[begin + i]];
          read_sample(p.rootfd, p.src, p.stream_above, j);
        });
    ahead.run([&](Job& j) {
      if (p.stop) return false;
      if (j.error) {  // the sample is left out; the run goes on
        out.errors.push_back(std::move(*j.error));
        return true;
      }
      return ok = put_sample(p, *j.sample, &j, w, h, out);
    });
  }
  if (ok && !p.stop) ok = !(out.output_error = w.close(out.info));
  if (!ok) p.stop = true;
  if (!ok || p.stop) w.abort();
}

// --format mds: one writer, in sample order, the samples read ahead by `threads` readers (MdsWriter builds
// each shard in memory).
void pack_mds(const BuildOptions& o, const std::vector<Source>& src,
              const std::vector<PlannedSample>& samples, const std::vector<uint64_t>& order,
              const std::vector<uint64_t>& sample_bytes, int rootfd, unsigned threads, MdsWriter& mds,
              Manifest& index, BuildResult& r) {
  auto write_sample = [&](Job& job) -> bool {
    if (job.error) {  // the sample is left out; the run goes on
      r.errors.push_back(std::move(*job.error));
      return true;
    }
    const PlannedSample& s = *job.sample;
    const std::string cls_name = s.key + ".cls", cls_text = std::to_string(s.cls);
    std::vector<OutMember> members;
    std::string cls_hex;
    // A file above kStreamAbove was not read ahead: opened here, the writer streams it.
    std::vector<std::string> paths(s.files.size());
    struct Fds {
      std::vector<int> fds;
      ~Fds() {
        for (int fd : fds) ::close(fd);
      }
    } open_files;
    for (std::size_t k = 0; k < s.files.size(); ++k) {
      const Source& f = src[s.files[k]];
      OutMember m{f.rel, job.data[k], job.hex[k], o.mtime ? *o.mtime : f.mtime_s, true, -1, 0, {}};
      if (f.size > kStreamAbove) {
        paths[k] = escape_field(f.rel);
        BeneathFile bf;
        if (const int err = open_beneath(rootfd, f.rel.c_str(), bf)) {
          r.errors.push_back(PathError{paths[k], err, "open", bf.detail ? bf.detail : ""});
          return true;
        }
        open_files.fds.push_back(bf.fd);
        if (uint64_t(bf.st.st_size) != f.size) {
          r.errors.push_back(PathError{paths[k], 0, "read", "size changed since it was listed"});
          return true;
        }
        m.fd = bf.fd;
        m.size = f.size;
        m.path = paths[k];
      }
      members.push_back(m);
    }
    if (s.cls >= 0) {
      append_hash_hex(cls_hex, cls_text, HashAlgo::xxh3_128);
      members.push_back(
          {cls_name, cls_text, cls_hex, o.mtime ? *o.mtime : src[s.files[0]].mtime_s, false, -1, 0, {}});
    }
    std::sort(members.begin(), members.end(),
              [](const OutMember& a, const OutMember& b) { return a.name < b.name; });
    std::optional<PathError> in_err;
    if (auto e = mds.add(members, s.key, s.label, index, in_err)) {
      r.output_error = std::move(e);
      return false;
    }
    if (in_err) {  // the sample is left out; the run goes on
      r.errors.push_back(std::move(*in_err));
      return true;
    }
    for (const auto& m : members) r.bytes += m.fd >= 0 ? m.size : m.data.size();
    r.members += members.size();
    ++r.samples;
    return true;
  };
  ReadAhead ahead(
      order.size(), threads, uint64_t{256} << 20, [&](std::size_t pos) { return sample_bytes[order[pos]]; },
      [&](std::size_t pos, Job& j) {
        j.sample = &samples[order[pos]];
        read_sample(rootfd, src, kStreamAbove, j);
      });
  ahead.run(write_sample);
}

// Makes and opens the output directory (not through a symbolic link) into `fd`; with `check_empty`, it
// must be empty (no stale shard can pass as this pack's). An error message, or empty.
std::string open_output(const BuildOptions& o, bool check_empty, int& fd) {
  if (::mkdir(o.out_dir.c_str(), 0777) != 0 && errno != EEXIST)
    return describe(PathError{o.out_dir, errno, "mkdir"});
  fd = ::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return err == ENOTDIR || err == ELOOP ? o.out_dir + ": not a directory (a symbolic link is not followed)"
                                          : describe(PathError{o.out_dir, err, "open"});
  }
  if (!check_empty) return {};
  if (const int err = dir_empty(fd); err != 0)
    return err == ENOTEMPTY ? o.out_dir + ": the output directory is not empty (give a new or empty one)"
                            : describe(PathError{o.out_dir, err, "read"});
  return {};
}

// The source's files (a directory walked, or a manifest's rows), its root and, with --by, its splits; the
// walk's problems go into `r`. An error message, or empty.
std::string list_source(const BuildOptions& o, unsigned threads, std::vector<Source>& src, std::string& root,
                        std::vector<std::string>& splits, BuildResult& r) {
  struct stat st {};
  if (::stat(o.src.c_str(), &st) != 0) {
    // A missing input reads as every tool prints it: "PATH: No such file or directory" (man/dskit.7).
    return errno == ENOENT ? o.src + ": " + std::strerror(ENOENT) : describe(PathError{o.src, errno, "stat"});
  }
  if (!S_ISDIR(st.st_mode)) {
    auto e = list_manifest(o.src, o.by, root, src, splits, r);
    return e ? *e : std::string();
  }
  if (!o.by.empty()) return o.src + ": --by needs a manifest with that column (dsmanifest split writes one)";
  root = std::filesystem::canonical(o.src).string();
  auto e = list_directory(o, root, threads ? threads : io_concurrency(root), src, r);
  return e ? *e : std::string();
}

// Under MPI: every rank's error message gathered; the first failing rank's (named when not rank 0) on every
// rank, or empty when all succeeded. Every rank calls it at the same point, so none is left waiting.
std::string agree(Comm& comm, const std::string& err) {
  if (comm.size() == 1) return err;
  const std::vector<std::string> all = comm.gather(err);
  std::string verdict;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!all[i].empty()) {
      verdict = i ? fmt::format("rank {}: {}", i, all[i]) : all[i];
      break;
    }
  return comm.broadcast(verdict);
}

// The listing rank 0 hands to the other ranks, so that every rank plans the same shards.
std::string encode_listing(const std::string& root, const std::vector<std::string>& splits,
                           const std::vector<Source>& src) {
  WireWriter w;
  w.str(root);
  w.u64(splits.size());
  for (const auto& s : splits) w.str(s);
  w.u64(src.size());
  for (const auto& s : src) {
    w.str(s.rel);
    w.u64(s.size);
    w.i64(s.mtime_s);
    w.str(s.label);
    w.u64(s.split);
  }
  return std::move(w.bytes());
}

bool decode_listing(std::string_view b, std::string& root, std::vector<std::string>& splits,
                    std::vector<Source>& src) {
  WireReader rd(b);
  root = rd.str();
  splits.resize(std::size_t(std::min<uint64_t>(rd.u64(), b.size())));
  for (auto& s : splits) s = rd.str();
  src.resize(std::size_t(std::min<uint64_t>(rd.u64(), b.size())));
  for (auto& s : src) {
    s.rel = rd.str();
    s.size = rd.u64();
    s.mtime_s = rd.i64();
    s.label = rd.str();
    s.split = std::size_t(rd.u64());
  }
  return !rd.failed() && rd.done();
}

// What a rank wrote (its shards' ShardOut, by shard number), sent to rank 0; rows name their sample by
// its index in `samples`.
std::string encode_outs(const std::vector<ShardOut>& outs, std::size_t begin, std::size_t end,
                        const std::vector<PlannedSample>& samples) {
  WireWriter w;
  auto error = [&](const PathError& e) {
    w.str(e.path);
    w.i64(e.err);
    w.str(e.op);
    w.str(e.detail);
  };
  for (std::size_t k = begin; k < end; ++k) {
    const ShardOut& s = outs[k];
    w.str(s.info.name);
    w.u64(s.info.samples);
    w.u64(s.info.bytes);
    w.str(s.info.dali);
    w.u64(s.rows.size());
    for (const Row& row : s.rows) {
      w.u64(uint64_t(row.sample - samples.data()));
      w.str(row.name);
      w.str(row.hex);
      w.u64(row.size);
      w.u64(row.offset);
      w.u64(row.file);
    }
    w.u64(s.errors.size());
    for (const auto& e : s.errors) error(e);
    w.u64(s.output_error.has_value());
    if (s.output_error) error(*s.output_error);
    w.u64(s.samples);
    w.u64(s.members);
    w.u64(s.bytes);
  }
  return std::move(w.bytes());
}

bool decode_outs(std::string_view b, std::vector<ShardOut>& outs, std::size_t begin, std::size_t end,
                 const std::vector<PlannedSample>& samples) {
  WireReader rd(b);
  auto error = [&] {
    PathError e;
    e.path = rd.str();
    e.err = int(rd.i64());
    e.op = rd.str();
    e.detail = rd.str();
    return e;
  };
  for (std::size_t k = begin; k < end && !rd.failed(); ++k) {
    ShardOut& s = outs[k];
    s.info.name = rd.str();
    s.info.samples = rd.u64();
    s.info.bytes = rd.u64();
    s.info.dali = rd.str();
    s.rows.resize(std::size_t(std::min<uint64_t>(rd.u64(), b.size())));
    for (Row& row : s.rows) {
      const uint64_t i = rd.u64();
      if (i >= samples.size()) return false;
      row.sample = &samples[i];
      row.name = rd.str();
      row.hex = rd.str();
      row.size = rd.u64();
      row.offset = rd.u64();
      row.file = rd.u64() != 0;
    }
    s.errors.resize(std::size_t(std::min<uint64_t>(rd.u64(), b.size())));
    for (auto& e : s.errors) e = error();
    if (rd.u64()) s.output_error = error();
    s.samples = rd.u64();
    s.members = rd.u64();
    s.bytes = rd.u64();
  }
  return !rd.failed() && rd.done();
}

}  // namespace

BuildResult build(const BuildOptions& o) {
  BuildResult r;
  SoloComm solo;
  Comm& comm = o.comm ? *o.comm : solo;
  const bool ranks = comm.size() > 1;
  if (o.shard_size == 0) {
    r.setup_error = "--shard-size must be positive";
    return r;
  }
  if (!o.by.empty() && o.mds) {
    r.setup_error = "--by cannot be combined with --format mds";
    return r;
  }
  if (ranks && o.mds) {
    r.setup_error = "--format mds is written by one process, not across MPI ranks";
    return r;
  }
  // The output directory: checked empty by rank 0 before any rank writes in it (agree waits for all).
  int out_fd = -1;
  std::string err = open_output(o, comm.is_root(), out_fd);
  const Fd outfd(out_fd);
  if (!(r.setup_error = agree(comm, err)).empty()) return r;
  // The source listed once, by rank 0, and handed to the others.
  std::vector<Source> src;
  std::string root;
  std::vector<std::string> splits;  // --by: the series, in order of first appearance
  if (comm.is_root()) err = list_source(o, o.threads, src, root, splits, r);
  if (!(r.setup_error = agree(comm, err)).empty()) return r;
  if (ranks) {
    const std::string listing = comm.broadcast(comm.is_root() ? encode_listing(root, splits, src) : "");
    if (!comm.is_root() && !decode_listing(listing, root, splits, src)) {
      r.setup_error = "the listing from rank 0 is malformed";
      return r;
    }
  }
  unsigned threads = o.threads;
  // Reads of whole files, unlike the walk's metadata calls, gain nothing past 64 in flight on a latency-bound
  // mount and lose to the reader threads' kernel contention: 8,000 files on the 1 ms FUSE mount took 2.1-2.3
  // s with 64 and 3.6 s with 128 (docs/benchmarks.md, dspack).
  if (!threads) threads = std::min(io_concurrency(root), 64u);
  r.threads = threads;
  r.files = src.size();
  std::vector<PlannedSample> samples = group(src, o.cls, r);
  // The output order: split after split (one split without --by), each split's samples in order of first
  // appearance or shuffled with the seed.
  std::vector<uint64_t> order;
  {
    std::vector<std::vector<uint64_t>> of_split(std::max<std::size_t>(1, splits.size()));
    for (std::size_t i = 0; i < samples.size(); ++i) of_split[samples[i].split].push_back(i);
    for (const auto& in : of_split) {
      if (!o.seed) {
        order.insert(order.end(), in.begin(), in.end());
        continue;
      }
      ShuffleOptions so;
      so.seed = *o.seed;
      std::vector<uint64_t> perm;
      EpochOrder(in.size(), so).append(0, in.size(), perm);
      for (uint64_t k : perm) order.push_back(in[k]);
    }
  }

  const int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!(r.setup_error = agree(comm, rootfd < 0 ? describe(PathError{root, errno, "open"}) : "")).empty()) {
    if (rootfd >= 0) ::close(rootfd);
    return r;
  }

  Manifest index = index_manifest(root, o.by);
  // Bytes of source data a sample's read-ahead holds: at most 256 MiB in all, or one sample when it is
  // larger (streamed files not counted: they are never held whole).
  const uint64_t stream_above = kStreamAbove;
  std::vector<uint64_t> sample_bytes(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    for (std::size_t f : samples[i].files)
      if (src[f].size <= stream_above) sample_bytes[i] += src[f].size;

  if (o.mds) {
    std::vector<std::string> columns;
    if (auto e = mds_columns(samples, src, columns)) {
      ::close(rootfd);
      r.setup_error = *e;
      return r;
    }
    MdsWriter mds(outfd.fd, o.out_dir, std::move(columns), o.shard_size, o.samples_per_shard);
    pack_mds(o, src, samples, order, sample_bytes, rootfd, threads, mds, index, r);
    ::close(rootfd);
    if (!r.output_error) r.output_error = mds.finish(index);
    r.shards = mds.shards();
    if (r.output_error) return r;
    if (auto e = write_file_atomic_at(outfd.fd, "index.json", o.out_dir + "/index.json", mds.index_json()))
      r.output_error = std::move(e);
    else
      r.output_error = write_index_tsv(outfd.fd, o.out_dir, index);
    return r;
  }

  // Tar shards: planned first, then written several at once, one writer thread per shard in progress (as
  // many as cores, since copying into the page cache is what a writer spends its time on), each with its
  // share of the reads in flight.
  Packer p{o, src, samples, order, sample_bytes, rootfd, outfd.fd, stream_above};
  const std::vector<std::size_t> starts = plan_shards(p);
  const std::size_t nshards = starts.size() - 1;
  // Shard k's series (with --by its split's name) and name: shard-000000.tar, ..., or per split
  // train-000000.tar, ..., val-000000.tar, ...
  std::vector<std::string> series(nshards), names(nshards);
  for (std::size_t k = 0, in_series = 0; k < nshards; ++k) {
    if (!splits.empty()) series[k] = splits[samples[order[starts[k]]].split];
    in_series = k > 0 && series[k] == series[k - 1] ? in_series + 1 : 0;
    names[k] = shard_name(in_series, series[k]);
  }
  // Under MPI each rank writes a contiguous range of the shards: rank i shards [first[i], first[i + 1]).
  std::vector<std::size_t> first(std::size_t(comm.size()) + 1);
  for (std::size_t i = 0; i < first.size(); ++i) first[i] = nshards * i / std::size_t(comm.size());
  const std::size_t mine_begin = first[std::size_t(comm.rank())],
                    mine_end = first[std::size_t(comm.rank()) + 1];
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned writers =
      unsigned(std::max<std::size_t>(1, std::min({mine_end - mine_begin, cores, std::size_t(threads)})));
  const unsigned readers = threads / writers;
  const uint64_t budget = (uint64_t{256} << 20) / writers;
  std::vector<ShardOut> outs(nshards);
  std::atomic<std::size_t> next{mine_begin};
  auto work = [&] {
    for (std::size_t k; !p.stop && (k = next++) < mine_end;)
      write_shard(p, names[k], starts[k], starts[k + 1], readers, budget, outs[k]);
  };
  {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < writers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  ::close(rootfd);
  // Rank 0 gathers what every rank wrote, names a rank whose shard write failed, and writes the indexes.
  if (ranks) {
    const std::vector<std::string> parts = comm.gather(encode_outs(outs, mine_begin, mine_end, samples));
    if (!comm.is_root()) return r;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (!decode_outs(parts[i], outs, first[i], first[i + 1], samples)) {
        r.output_error = PathError{fmt::format("rank {}", i), EPROTO, "gather", "its results are malformed"};
        return r;
      }
      for (std::size_t k = first[i]; k < first[i + 1]; ++k)
        if (outs[k].output_error)
          outs[k].output_error->path = fmt::format("rank {}: {}", i, outs[k].output_error->path);
    }
  }
  // The results in shard order, as one writer would have given them.
  std::vector<ShardInfo> shards;
  for (std::size_t k = 0; k < nshards; ++k) {
    ShardOut& s = outs[k];
    for (auto& e : s.errors) r.errors.push_back(std::move(e));
    if (s.output_error && !r.output_error) r.output_error = std::move(s.output_error);
    if (s.info.name.empty()) continue;
    s.info.series = series[k];
    for (const Row& row : s.rows)
      add_index_row(index, row.name, row.size, row.hex, row.sample->label, names[k], row.offset,
                    row.sample->key, row.file, series[k]);
    r.samples += s.samples;
    r.members += s.members;
    r.bytes += s.bytes;
    shards.push_back(std::move(s.info));
  }
  r.shards = shards.size();
  if (r.output_error) return r;
  r.output_error = write_indexes(outfd.fd, o.out_dir, index, shards, r.warnings);
  return r;
}

}  // namespace dskit::pack
