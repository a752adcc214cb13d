// dspack build: the source listed (a directory walked as dsmanifest walks it, or a manifest's rows), its
// files grouped into WebDataset samples, ordered (path order or a seeded shuffle), read many at a time
// beneath the root and hashed while read (reader threads ahead of the writer), and written in sample order
// into shards through base/fileio; the indexes follow once every shard is named.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
};

struct PlannedSample {
  std::string key;
  std::vector<std::size_t> files;  // indexes into the sources, by name
  std::string label;
  int64_t cls = -1;  // the class index; -1: no .cls member
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

std::optional<std::string> list_manifest(const std::string& file, std::string& root,
                                         std::vector<Source>& out) {
  Manifest m;
  if (auto e = load_manifest(
          file, {.root_override = {}, .allow_outside_root = false, .outside_root_hint = false}, m))
    return describe(*e);
  if (m.path_col() < 0) return file + ": the manifest has no path column";
  root = m.root;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    Source s;
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
  for (std::size_t i = 0; i < src.size(); ++i) {
    const auto k = split_key(src[i].rel);
    if (!k) {
      r.warnings.push_back(escape_field(src[i].rel) +
                           ": skipped (no WebDataset key and extension in the name)");
      ++r.skipped;
      continue;
    }
    auto [it, fresh] = by_key.try_emplace(std::string(k->key), samples.size());
    if (fresh) samples.push_back({std::string(k->key), {}, {}, -1});
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

// The shard being written: its name, file, pending bytes, and what the indexes need.
class ShardWriter {
 public:
  ShardWriter(int dirfd, std::string dir) : dirfd_(dirfd), dir_(std::move(dir)) {}

  // Header bytes, data and padding of a member.
  static uint64_t member_bytes(std::string_view name, uint64_t size) {
    std::string h;
    tar::append_header(h, name, size, 0);
    return h.size() + size + tar::padding(size);
  }

  std::optional<PathError> open(std::size_t index) {
    name_ = shard_name(index);
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
  // A member written in pieces: its header, then append() its SIZE bytes, then end_member(SIZE).
  std::optional<PathError> append(std::string_view chunk) {
    buf_.append(chunk);
    return flush(false);
  }
  void end_member(uint64_t size) { buf_.append(tar::padding(size), '\0'); }
  // Drops what was written from the shard offset START on (a sample that failed half-way); the file is
  // truncated when part of it was already flushed.
  std::optional<PathError> rollback(uint64_t start) {
    dali_line_.clear();
    if (start >= pos_) {
      buf_.resize(std::size_t(start - pos_));
      return std::nullopt;
    }
    buf_.clear();
    if (::ftruncate(file_.fd(), off_t(start)) != 0 || ::lseek(file_.fd(), off_t(start), SEEK_SET) < 0) {
      PathError e{dir_ + "/" + name_, errno, "write"};
      file_.abort();
      return e;
    }
    pos_ = start;
    return std::nullopt;
  }
  uint64_t begin_member(std::string_view name, uint64_t size, int64_t mtime) {
    tar::append_header(buf_, name, size, mtime);
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
    if (!all && buf_.size() < (std::size_t{8} << 20)) return std::nullopt;
    if (auto e = file_.write(buf_)) {
      file_.abort();
      return e;
    }
    pos_ += buf_.size();
    buf_.clear();
    return std::nullopt;
  }
  // Ends the archive and names it; fills `info`.
  std::optional<PathError> close(ShardInfo& info) {
    tar::append_end(buf_);
    if (auto e = flush(true)) return e;
    if (auto e = file_.commit()) return e;
    info = {name_, samples_, pos_,
            dali_ok_ ? "v1.2 " + std::to_string(samples_) + "\n" + dali_ : std::string()};
    return std::nullopt;
  }

 private:
  int dirfd_;
  std::string dir_, name_, buf_, dali_, dali_line_;
  OutputFile file_;
  uint64_t pos_ = 0, samples_ = 0;
  bool dali_ok_ = true;
};

// Streams the source file S (opened beneath the root, bounded by its listed size) into the shard as the
// member NAME, hashing it: its data offset and hash in `off` and `hex`. A source that cannot be read or
// changed size is `in_err` (the caller rolls the sample back), a failed shard write `out_err`.
void stream_member(int rootfd, const Source& s, std::string_view name, int64_t mtime, ShardWriter& w,
                   FileHasher& h, std::string& buf, uint64_t& off, std::string& hex,
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
  h.begin(HashAlgo::xxh3_128);
  buf.resize(kChunk);
  uint64_t got = 0;
  for (;;) {
    // One byte more than the listed size is asked for at the end: a file grown since its fstat shows.
    const std::size_t want = std::size_t(std::min<uint64_t>(kChunk, s.size - got + 1));
    const ssize_t n = ::read(f.fd, buf.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      in_err = PathError{escape_field(s.rel), errno, "read"};
      break;
    }
    if (n == 0) break;
    if (got + uint64_t(n) > s.size) {
      got += uint64_t(n);
      break;
    }
    const std::string_view chunk(buf.data(), std::size_t(n));
    h.update(chunk);
    if ((out_err = w.append(chunk))) break;
    got += uint64_t(n);
  }
  ::close(f.fd);
  if (in_err || out_err) return;
  if (got != s.size) {
    in_err = PathError{escape_field(s.rel), 0, "read", "size changed while it was read"};
    return;
  }
  w.end_member(s.size);
  hex.clear();
  h.finish(hex);
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

}  // namespace

BuildResult build(const BuildOptions& o) {
  BuildResult r;
  if (o.shard_size == 0) {
    r.setup_error = "--shard-size must be positive";
    return r;
  }
  // The output directory: made when absent, else it must be empty (no stale shard can pass as this pack's);
  // opened once, not through a symlink, and every file is made and named inside that descriptor.
  if (::mkdir(o.out_dir.c_str(), 0777) != 0 && errno != EEXIST) {
    r.setup_error = describe(PathError{o.out_dir, errno, "mkdir"});
    return r;
  }
  const Fd outfd(::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (outfd.fd < 0) {
    const int err = errno;
    r.setup_error = err == ENOTDIR || err == ELOOP
                        ? o.out_dir + ": not a directory (a symbolic link is not followed)"
                        : describe(PathError{o.out_dir, err, "open"});
    return r;
  }
  if (const int err = dir_empty(outfd.fd); err != 0) {
    r.setup_error = err == ENOTEMPTY
                        ? o.out_dir + ": the output directory is not empty (give a new or empty one)"
                        : describe(PathError{o.out_dir, err, "read"});
    return r;
  }
  struct stat st {};
  if (::stat(o.src.c_str(), &st) != 0) {
    // A missing input reads as every tool prints it: "PATH: No such file or directory" (man/dskit.7).
    r.setup_error =
        errno == ENOENT ? o.src + ": " + std::strerror(ENOENT) : describe(PathError{o.src, errno, "stat"});
    return r;
  }
  std::vector<Source> src;
  std::string root;
  const bool dir = S_ISDIR(st.st_mode);
  unsigned threads = o.threads;
  if (dir) {
    root = std::filesystem::canonical(o.src).string();
    if (!threads) threads = io_concurrency(root);
    if (auto e = list_directory(o, root, threads, src, r)) {
      r.setup_error = *e;
      return r;
    }
  } else if (auto e = list_manifest(o.src, root, src)) {
    r.setup_error = *e;
    return r;
  }
  if (!threads) threads = io_concurrency(root);
  r.threads = threads;
  r.files = src.size();
  std::vector<PlannedSample> samples = group(src, o.cls, r);
  std::vector<uint64_t> order;
  if (o.seed) {
    ShuffleOptions so;
    so.seed = *o.seed;
    EpochOrder(samples.size(), so).append(0, samples.size(), order);
  } else {
    for (std::size_t i = 0; i < samples.size(); ++i) order.push_back(i);
  }

  const int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    r.setup_error = describe(PathError{root, errno, "open"});
    return r;
  }

  Manifest index = index_manifest(root);
  std::vector<ShardInfo> shards;
  ShardWriter w(outfd.fd, o.out_dir);
  std::unique_ptr<MdsWriter> mds;
  if (o.mds) {
    std::vector<std::string> columns;
    if (auto e = mds_columns(samples, src, columns)) {
      ::close(rootfd);
      r.setup_error = *e;
      return r;
    }
    mds = std::make_unique<MdsWriter>(outfd.fd, o.out_dir, std::move(columns), o.shard_size,
                                      o.samples_per_shard);
  }
  // The sample at position pos (order[pos]) of the output: read by any reader thread, written by this one
  // in order.
  // MDS shards are built in memory: their members are all read ahead.
  const uint64_t stream_above = o.mds ? UINT64_MAX : kStreamAbove;
  FileHasher stream_hasher(4096);  // its hash state only
  std::string stream_buf;
  auto write_sample = [&](Job& done) -> bool {
    Job* job = &done;
    if (job->error) {  // the sample is left out; the run goes on
      r.errors.push_back(std::move(*job->error));
      return true;
    }
    const PlannedSample& s = *job->sample;
    const std::string cls_name = s.key + ".cls", cls_text = std::to_string(s.cls);
    // Members in name order: the .cls member goes where its name sorts. A file above stream_above has no
    // data yet: it is streamed from its source (`stream`) when written.
    struct Member {
      OutMember out;
      uint64_t size;
      const Source* stream;
    };
    std::vector<Member> members;
    std::vector<std::string> cls_hex(1);
    for (std::size_t k = 0; k < s.files.size(); ++k) {
      const Source& f = src[s.files[k]];
      const bool streamed = f.size > stream_above;
      members.push_back({{f.rel, job->data[k], job->hex[k], o.mtime ? *o.mtime : f.mtime_s, true},
                         f.size,
                         streamed ? &f : nullptr});
    }
    if (s.cls >= 0) {
      append_hash_hex(cls_hex[0], cls_text, HashAlgo::xxh3_128);
      // The .cls member takes the sample's first file's mtime.
      members.push_back(
          {{cls_name, cls_text, cls_hex[0], o.mtime ? *o.mtime : src[s.files[0]].mtime_s, false},
           cls_text.size(),
           nullptr});
    }
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) { return a.out.name < b.out.name; });
    if (mds) {
      std::vector<OutMember> outs;
      for (const auto& m : members) outs.push_back(m.out);
      for (const auto& m : members) r.bytes += m.size;
      r.members += members.size();
      ++r.samples;
      if (auto e = mds->add(outs, s.key, s.label, index)) r.output_error = std::move(e);
      return !r.output_error;
    }
    uint64_t bytes = 0;
    for (const auto& m : members) bytes += ShardWriter::member_bytes(m.out.name, m.size);
    if (w.is_open() && w.samples() > 0 &&
        ((o.samples_per_shard && w.samples() >= o.samples_per_shard) ||
         w.pos() + bytes + tar::kEndSize > o.shard_size)) {
      ShardInfo info;
      if (auto e = w.close(info)) {
        r.output_error = std::move(e);
        return false;
      }
      shards.push_back(std::move(info));
    }
    if (!w.is_open())
      if (auto e = w.open(shards.size())) {
        r.output_error = std::move(e);
        return false;
      }
    // The index rows are added once the whole sample is in the shard.
    const uint64_t start = w.pos();
    std::vector<std::pair<uint64_t, std::string>> placed;  // data offset, hash
    for (const auto& m : members) {
      if (!m.stream) {
        placed.emplace_back(w.add(m.out.name, m.out.data, m.out.mtime), std::string(m.out.hex));
        continue;
      }
      std::optional<PathError> in_err, out_err;
      uint64_t off = 0;
      std::string hex;
      stream_member(rootfd, *m.stream, m.out.name, m.out.mtime, w, stream_hasher, stream_buf, off, hex,
                    in_err, out_err);
      if (out_err) {
        r.output_error = std::move(out_err);
        return false;
      }
      if (in_err) {  // the sample is left out; the run goes on
        r.errors.push_back(std::move(*in_err));
        if (auto e = w.rollback(start)) {
          r.output_error = std::move(e);
          return false;
        }
        return true;
      }
      placed.emplace_back(off, std::move(hex));
    }
    for (std::size_t k = 0; k < members.size(); ++k) {
      const auto& m = members[k];
      add_index_row(index, m.out.name, m.size, placed[k].second, s.label, w.name(), placed[k].first, s.key,
                    m.out.file);
      r.bytes += m.size;
    }
    r.members += members.size();
    ++r.samples;
    w.end_sample();
    if (auto e = w.flush(false)) r.output_error = std::move(e);
    return !r.output_error;
  };
  // Bytes of source data held in memory at once: at most 256 MiB, or one sample when it is larger (its
  // streamed files not counted: they are never held whole).
  std::vector<uint64_t> sample_bytes(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    for (std::size_t f : samples[i].files)
      if (src[f].size <= stream_above) sample_bytes[i] += src[f].size;
  ReadAhead ahead(
      order.size(), threads, uint64_t{256} << 20, [&](std::size_t pos) { return sample_bytes[order[pos]]; },
      [&](std::size_t pos, Job& j) {
        j.sample = &samples[order[pos]];
        read_sample(rootfd, src, stream_above, j);
      });
  ahead.run(write_sample);
  ::close(rootfd);
  if (mds) {
    if (!r.output_error) r.output_error = mds->finish(index);
    r.shards = mds->shards();
    if (r.output_error) return r;
    if (auto e = write_file_atomic_at(outfd.fd, "index.json", o.out_dir + "/index.json", mds->index_json()))
      r.output_error = std::move(e);
    else
      r.output_error = write_index_tsv(outfd.fd, o.out_dir, index);
    return r;
  }
  if (!r.output_error && w.is_open()) {
    ShardInfo info;
    if (auto e = w.close(info))
      r.output_error = std::move(e);
    else
      shards.push_back(std::move(info));
  }
  r.shards = shards.size();
  if (r.output_error) return r;
  r.output_error = write_indexes(outfd.fd, o.out_dir, index, shards, r.warnings);
  return r;
}

}  // namespace dskit::pack
