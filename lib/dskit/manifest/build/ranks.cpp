// dsmanifest build spread over the ranks of an MPI job: each rank walks its WalkShare of the tree, rank 0
// gathers and sorts the file list, deals it out again as contiguous runs of about equal bytes, every rank
// hashes its run, and rank 0 assembles the manifest exactly as the one-process build does.
#include <dirent.h>

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/open.h"
#include "dskit/manifest/build/parts.h"

namespace dskit {

using namespace build_detail;

namespace {

// The shallowest level (up to 4) holding at least `want` entries, so that every rank gets many subtrees;
// rank 0 counts with a serial listing of the levels above it.
int share_depth(const std::string& root, std::size_t want, int max_depth) {
  constexpr std::size_t kMaxDirs = 10000;  // a level this wide is wide enough
  std::vector<std::string> level = {root};
  for (int d = 1; d < 4; ++d) {
    std::vector<std::string> next;
    std::size_t entries = 0;
    for (const auto& dir : level) {
      DIR* dp = ::opendir(dir.c_str());
      if (!dp) continue;
      while (const dirent* e = ::readdir(dp)) {
        const std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        ++entries;
        if (e->d_type == DT_DIR && next.size() < kMaxDirs) next.push_back(dir + "/" + e->d_name);
      }
      ::closedir(dp);
    }
    if (entries >= want || next.empty() || (max_depth > 0 && d >= max_depth)) return d;
    level = std::move(next);
  }
  return 4;
}

void put_stat(WireWriter& w, const StatInfo& st) {
  w.u64(st.size);
  w.i64(st.mtime_ns);
  w.u64(st.ino);
}

StatInfo get_stat(WireReader& r) {
  StatInfo st;
  st.size = r.u64();
  st.mtime_ns = r.i64();
  st.ino = r.u64();
  return st;
}

void put_files(WireWriter& w, const std::vector<FileRecord>& files, std::size_t begin, std::size_t end) {
  w.u64(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    w.str(files[i].rel);
    put_stat(w, files[i].st);
  }
}

// Appends the files in `r` to `out`, their paths NUL-terminated (hash_files opens them by name) in a new
// buffer kept in `names`.
void get_files(WireReader& r, std::vector<FileRecord>& out,
               std::vector<std::unique_ptr<std::string>>& names) {
  const uint64_t n = r.u64();
  auto arena = std::make_unique<std::string>();
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::vector<StatInfo> stats;
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    const std::string_view rel = r.str();
    spans.emplace_back(arena->size(), rel.size());
    arena->append(rel);
    arena->push_back('\0');
    stats.push_back(get_stat(r));
  }
  for (std::size_t i = 0; i < spans.size(); ++i)
    out.push_back({std::string_view(arena->data() + spans[i].first, spans[i].second), stats[i]});
  names.push_back(std::move(arena));
}

void put_errors(WireWriter& w, const std::vector<PathError>& errors) {
  w.u64(errors.size());
  for (const auto& e : errors) {
    w.str(e.path);
    w.u64(static_cast<uint64_t>(e.err));
    w.str(e.op);
    w.str(e.detail);
  }
}

// Errors of other ranks name their rank: "rank 2: PATH".
void get_errors(WireReader& r, int rank, std::vector<PathError>& out) {
  const uint64_t n = r.u64();
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    PathError e;
    e.path = (rank ? "rank " + std::to_string(rank) + ": " : std::string()) + std::string(r.str());
    e.err = static_cast<int>(r.u64());
    e.op = r.str();
    e.detail = r.str();
    out.push_back(std::move(e));
  }
}

// Where each rank's run of the sorted file list starts: runs of about equal cost, a file costing its
// size plus 64 KiB (the open and close of a small file weigh as much as reading that much).
std::vector<std::size_t> hash_runs(const std::vector<FileRecord>& files, int ranks) {
  constexpr uint64_t kPerFile = 64 << 10;
  uint64_t total = 0;
  for (const auto& f : files) total += f.st.size + kPerFile;
  std::vector<std::size_t> start(static_cast<std::size_t>(ranks) + 1, files.size());
  start[0] = 0;
  uint64_t cum = 0;
  int next = 1;
  for (std::size_t i = 0; i < files.size() && next < ranks; ++i) {
    while (next < ranks && cum >= total / static_cast<uint64_t>(ranks) * static_cast<uint64_t>(next))
      start[static_cast<std::size_t>(next++)] = i;
    cum += files[i].st.size + kPerFile;
  }
  return start;
}

const char* op_literal(std::string_view op) {
  return op == "open" ? "open" : "read";
}

// The detail of a HashOut from another rank, as the literal it was there (or null).
const char* detail_literal(std::string_view d) {
  for (const char* known : {kNotRegular, kSymlinkInPath, kChangedWhileHashing})
    if (d == known) return known;
  return nullptr;
}

}  // namespace

BuildResult build_manifest(const std::string& dir, const BuildOptions& opts, Comm& comm,
                           BuildProgress* progress) {
  if (comm.size() <= 1) return build_manifest(dir, opts, progress);
  BuildResult r;
  std::unique_ptr<Labeler> labeler;
  auto err = Labeler::create(opts.sel.labels, labeler);
  if (!comm.all_ok(!err)) {
    r.setup_error = err ? *err : "a label option failed on another rank";
    return r;
  }
  const std::string root = absolute_dir(dir);

  // The walk, shared out.
  WalkShare share;
  share.rank = comm.rank();
  share.ranks = comm.size();
  const std::string depth = comm.broadcast(
      comm.is_root()
          ? std::to_string(share_depth(root, 8 * static_cast<std::size_t>(comm.size()), opts.sel.max_depth))
          : std::string());
  share.depth = std::max(1, std::stoi(depth));
  ScanResult s =
      scan_tree(root, opts.sel, opts.threads, progress, opts.hash == HashAlgo::none, opts.skip_files, &share);
  r.walk = s.walk;
  // Every rank compiles the same selection: a bad one fails on all of them.
  if (!comm.all_ok(s.setup_error.empty())) {
    r.setup_error = s.setup_error.empty() ? "the selection failed on another rank" : s.setup_error;
    return r;
  }

  // Everything to rank 0, which sorts the file list and decides whether to go on.
  WireWriter w;
  w.u64(s.root_failed ? 1 : 0);
  put_errors(w, s.errors);
  put_files(w, s.files, 0, s.files.size());
  const std::vector<std::string> lists = comm.gather(w.bytes());
  w = WireWriter();
  std::vector<FileRecord> files;
  std::vector<std::unique_ptr<std::string>> names;
  for (std::size_t k = 0; k < lists.size(); ++k) {
    WireReader rd(lists[k]);
    r.root_failed = rd.u64() != 0 || r.root_failed;
    get_errors(rd, static_cast<int>(k), r.errors);
    get_files(rd, files, names);
  }
  if (!comm.all_ok(!r.root_failed)) {
    r.root_failed = true;
    return r;
  }
  tbb::parallel_sort(files.begin(), files.end(),
                     [](const FileRecord& a, const FileRecord& b) { return a.rel < b.rel; });

  // The hashing, shared out in runs of equal cost; results back to rank 0 in the same order.
  std::vector<HashOut> hashes;
  if (opts.hash != HashAlgo::none) {
    std::vector<std::string> parts;
    std::vector<std::size_t> start;
    if (comm.is_root()) {
      start = hash_runs(files, comm.size());
      for (int k = 0; k < comm.size(); ++k) {
        WireWriter p;
        put_files(p, files, start[static_cast<std::size_t>(k)], start[static_cast<std::size_t>(k) + 1]);
        parts.push_back(std::move(p.bytes()));
      }
    }
    const std::string mine_bytes = comm.scatter(parts);
    parts.clear();
    std::vector<FileRecord> mine;
    std::vector<std::unique_ptr<std::string>> mine_names;
    WireReader rd(mine_bytes);
    get_files(rd, mine, mine_names);
    std::vector<std::size_t> all(mine.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<HashOut> out;
    if (opts.before_hash) opts.before_hash();
    r.hash_threads = hash_threads(root, opts.threads);
    hash_files(root, mine, all, opts.hash, r.hash_threads, opts.sel.follow, out, progress);
    WireWriter res;
    for (std::size_t i = 0; i < mine.size(); ++i) {
      res.str(out[i].hex);
      res.u64(static_cast<uint64_t>(out[i].err));
      res.str(out[i].op ? out[i].op : "");
      res.str(out[i].detail ? out[i].detail : "");
      put_stat(res, mine[i].st);
    }
    const std::vector<std::string> results = comm.gather(res.bytes());
    if (comm.is_root()) {
      hashes.resize(files.size());
      for (std::size_t k = 0; k < results.size(); ++k) {
        WireReader rr(results[k]);
        for (std::size_t i = start[k]; i < start[k + 1]; ++i) {
          hashes[i].hex = rr.str();
          hashes[i].err = static_cast<int>(rr.u64());
          const std::string_view op = rr.str();
          const std::string_view detail = rr.str();
          if (hashes[i].err) hashes[i].op = op_literal(op), hashes[i].detail = detail_literal(detail);
          files[i].st = get_stat(rr);
        }
      }
    }
  }
  if (comm.is_root()) assemble_build(root, opts, *labeler, files, hashes, r);
  return r;
}

}  // namespace dskit
