// dspack build: the source listed (a directory walked as dsmanifest walks it, or a manifest's rows), its
// files grouped into WebDataset samples, ordered (path order or a seeded shuffle), read many at a time
// beneath the root and hashed while read (a oneTBB pipeline), and written in sample order into shards
// through base/fileio; the indexes follow once every shard is named.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
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
  if (auto e = load_manifest(file, {}, m)) return describe(*e);
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

// Reads the sample's files beneath the root, each bounded by its listed size, and hashes them.
void read_sample(int rootfd, const std::vector<Source>& src, Job& job) {
  const auto& files = job.sample->files;
  job.data.resize(files.size());
  job.hex.resize(files.size());
  for (std::size_t k = 0; k < files.size(); ++k) {
    const Source& s = src[files[k]];
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
  ShardWriter(std::string dir) : dir_(std::move(dir)) {}

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
    return file_.open(dir_ + "/" + name_, {.durability = Durability::none, .write_through = false});
  }
  bool is_open() const { return file_.is_open(); }
  uint64_t pos() const { return pos_ + buf_.size(); }
  uint64_t samples() const { return samples_; }
  const std::string& name() const { return name_; }

  // Appends a member; returns its data offset in the shard.
  uint64_t add(std::string_view name, std::string_view data, int64_t mtime) {
    tar::append_header(buf_, name, data.size(), mtime);
    const uint64_t off = pos();
    buf_.append(data);
    buf_.append(tar::padding(data.size()), '\0');
    // DALI's line: "ext offset size name" per member; a name with white space cannot be written in it.
    if (name.find_first_of(" \t\n\r\v\f") != std::string_view::npos) dali_ok_ = false;
    const auto k = split_key(name);
    if (!dali_line_.empty()) dali_line_ += ' ';
    dali_line_ += k ? k->ext : std::string_view{};
    dali_line_ += ' ' + std::to_string(off) + ' ' + std::to_string(data.size()) + ' ';
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
  std::string dir_, name_, buf_, dali_, dali_line_;
  OutputFile file_;
  uint64_t pos_ = 0, samples_ = 0;
  bool dali_ok_ = true;
};

}  // namespace

BuildResult build(const BuildOptions& o) {
  BuildResult r;
  if (o.shard_size == 0) {
    r.setup_error = "--shard-size must be positive";
    return r;
  }
  // The output directory: made when absent, else it must be empty (no stale shard can pass as this pack's).
  if (::mkdir(o.out_dir.c_str(), 0777) != 0 && errno != EEXIST) {
    r.setup_error = describe(PathError{o.out_dir, errno, "mkdir"});
    return r;
  }
  {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.out_dir, ec)) {
      r.setup_error = o.out_dir + ": not a directory";
      return r;
    }
    if (!std::filesystem::is_empty(o.out_dir, ec)) {
      r.setup_error = o.out_dir + ": the output directory is not empty (give a new or empty one)";
      return r;
    }
  }
  struct stat st {};
  if (::stat(o.src.c_str(), &st) != 0) {
    r.setup_error = describe(PathError{o.src, errno, "stat"});
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
  ShardWriter w(o.out_dir);
  std::size_t next = 0;
  tbb::global_control cap(tbb::global_control::max_allowed_parallelism, std::max(threads, 2u));
  tbb::task_arena arena(static_cast<int>(std::max(threads, 2u)));
  arena.execute([&] {
    tbb::parallel_pipeline(
        threads,
        tbb::make_filter<void, Job*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Job* {
          if (next == order.size() || r.output_error) {
            fc.stop();
            return nullptr;
          }
          auto* j = new Job;
          j->sample = &samples[order[next++]];
          return j;
        }) & tbb::make_filter<Job*, Job*>(tbb::filter_mode::parallel, [&](Job* j) {
          if (!r.output_error) read_sample(rootfd, src, *j);
          return j;
        }) & tbb::make_filter<Job*, void>(tbb::filter_mode::serial_in_order, [&](Job* j) {
          std::unique_ptr<Job> job(j);
          if (r.output_error) return;
          if (job->error) {
            r.errors.push_back(std::move(*job->error));
            return;
          }
          const PlannedSample& s = *job->sample;
          const std::string cls_name = s.key + ".cls", cls_text = std::to_string(s.cls);
          uint64_t bytes = 0;
          for (std::size_t k = 0; k < s.files.size(); ++k)
            bytes += ShardWriter::member_bytes(src[s.files[k]].rel, job->data[k].size());
          if (s.cls >= 0) bytes += ShardWriter::member_bytes(cls_name, cls_text.size());
          if (w.is_open() && w.samples() > 0 &&
              ((o.samples_per_shard && w.samples() >= o.samples_per_shard) ||
               w.pos() + bytes + tar::kEndSize > o.shard_size)) {
            ShardInfo info;
            if (auto e = w.close(info)) {
              r.output_error = std::move(e);
              return;
            }
            shards.push_back(std::move(info));
          }
          if (!w.is_open())
            if (auto e = w.open(shards.size())) {
              r.output_error = std::move(e);
              return;
            }
          // Members in name order: the .cls member goes where its name sorts.
          std::vector<std::pair<std::string_view, std::size_t>> members;  // name, k (npos: .cls)
          for (std::size_t k = 0; k < s.files.size(); ++k) members.emplace_back(src[s.files[k]].rel, k);
          if (s.cls >= 0) members.emplace_back(cls_name, std::string::npos);
          std::sort(members.begin(), members.end());
          for (const auto& [name, k] : members) {
            const bool file = k != std::string::npos;
            const std::string_view data = file ? std::string_view(job->data[k]) : std::string_view(cls_text);
            // The .cls member takes the sample's first file's mtime.
            const int64_t mtime = o.mtime ? *o.mtime : src[s.files[file ? k : 0]].mtime_s;
            const uint64_t off = w.add(name, data, mtime);
            std::string hex;
            if (!file) append_hash_hex(hex, data, HashAlgo::xxh3_128);
            add_index_row(index, name, data.size(), file ? job->hex[k] : hex, s.label, w.name(), off, s.key,
                          file);
            ++r.members;
            r.bytes += data.size();
          }
          w.end_sample();
          ++r.samples;
          if (auto e = w.flush(false)) r.output_error = std::move(e);
        }));
  });
  ::close(rootfd);
  if (!r.output_error && w.is_open()) {
    ShardInfo info;
    if (auto e = w.close(info))
      r.output_error = std::move(e);
    else
      shards.push_back(std::move(info));
  }
  r.shards = shards.size();
  if (r.output_error) return r;
  r.output_error = write_indexes(o.out_dir, index, shards, r.warnings);
  return r;
}

}  // namespace dskit::pack
