// The tree copy: roots planned as cp -r plans them, the walker's workers copying what they find, the
// cleanup pass (temporaries of an interrupted run, --delete) and directory attributes set last.
#include "dskit/copy/copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "dskit/base/enum_names.h"
#include "dskit/base/fileio.h"
#include "dskit/base/fstype.h"
#include "dskit/copy/parts.h"
#include "dskit/manifest/build/open.h"
#include "dskit/manifest/manifest.h"
#include "dskit/walk/walk.h"

namespace dskit {

namespace {

using copy_detail::copy_data;
using copy_detail::DataError;
using copy_detail::is_fatal_output;

constexpr EnumName<ChangeKind> kChangeNames[] = {
    {ChangeKind::copy, "copy"},     {ChangeKind::update, "update"}, {ChangeKind::link, "link"},
    {ChangeKind::remove, "delete"}, {ChangeKind::temp, "temp"},     {ChangeKind::skip, "skip"},
};
constexpr int kTempTries = 16;

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (const char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string_view parent_of(std::string_view rel) {
  const std::size_t slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string_view(".") : rel.substr(0, slash);
}

std::string_view name_of(std::string_view rel) {
  const std::size_t slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

std::string strip_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string dir_of(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

struct timespec ts_of(int64_t ns) {
  struct timespec t {};
  t.tv_sec = static_cast<time_t>(ns / 1000000000);
  t.tv_nsec = static_cast<long>(ns % 1000000000);
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1000000000;
    --t.tv_sec;
  }
  return t;
}

// A descriptor closed when it goes out of scope (unless borrowed).
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(int f, bool owned) : fd(f), own(owned) {}
  ~Fd() {
    if (fd >= 0 && own) ::close(fd);
  }
  bool own = true;
};

// A worker's last destination directory, kept open: the entries of one directory come in batches to the
// same worker, so most files need no new open of their directory.
struct DirCache {
  const void* ctx = nullptr;
  std::string rel;
  int fd = -1;
  ~DirCache() {
    if (fd >= 0) ::close(fd);
  }
};

// One root being copied: descriptors of the source and destination directories the relative paths start
// from (for a root that is a single file: their parent directories).
struct RootCtx {
  CopyRoot root;
  bool tree = false;     // a directory walked; else one entry named by src_rel/dst_rel
  bool existed = false;  // the destination directory was there before: it gets the cleanup pass
  int src_fd = -1, dst_fd = -1;
  std::string src_name, dst_name;  // a single entry's names in those directories
  ~RootCtx() {
    if (src_fd >= 0) ::close(src_fd);
    if (dst_fd >= 0) ::close(dst_fd);
  }
  std::string src_path(std::string_view rel) const {
    return tree ? root.src + (root.src.ends_with('/') ? "" : "/") + std::string(rel) : root.src;
  }
  std::string dst_path(std::string_view rel) const {
    return tree ? root.dst + (root.dst.ends_with('/') ? "" : "/") + std::string(rel) : root.dst;
  }
};

struct DirFix {
  const RootCtx* ctx;
  std::string rel;
  int depth;
  StatInfo st;
};

// A large file this rank wrote its part of (under MPI): the temporary the ranks share.
struct SplitFile {
  RootCtx* ctx;
  std::string rel, tmp, key;
  bool owner, existed;
  HashAlgo algo;         // a manifest copy: the owner hashes the finished copy,
  std::string expected;  // checks it against the manifest's hash
  std::string* out_hex;  // and hands it out
};

struct LinkState {
  const RootCtx* ctx = nullptr;
  std::string rel;
  bool done = false, ok = false;
};

// Removes the tree `name` in `pfd` (no link followed). 0 or an errno.
int remove_tree_at(int pfd, const char* name) {
  if (::unlinkat(pfd, name, 0) == 0) return 0;
  if (errno != EISDIR && errno != EPERM) return errno;
  const int fd = ::openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  std::vector<std::string> names;
  int err = list_dir_names(fd, names);
  for (const auto& n : names)
    if (const int e = remove_tree_at(fd, n.c_str()); e && !err) err = e;
  ::close(fd);
  if (!err && ::unlinkat(pfd, name, AT_REMOVEDIR) != 0) err = errno;
  return err;
}

class Copier {
 public:
  Copier(const CopyOptions& o, CopySink& sink, CopyCounters& c)
      : o_(o), sink_(sink), c_(c), root_(::geteuid() == 0), uid_(::geteuid()), gid_(::getegid()) {
    umask_ = ::umask(077);  // read back (no thread creates files yet)
    ::umask(umask_);
  }

  bool stopped() const { return c_.full.load(std::memory_order_relaxed); }

  // Whether this rank copies the entry (always with one rank).
  bool owns(const RootCtx& ctx, std::string_view rel, const StatInfo& st) const {
    if (o_.world <= 1) return true;
    if (o_.hard_links && st.nlink > 1 && !S_ISDIR(st.mode)) {
      const std::string key = std::to_string(st.dev) + ":" + std::to_string(st.ino);
      return entry_owner(key, o_.world) == o_.rank;
    }
    return entry_owner(key_of(ctx, rel), o_.world) == o_.rank;
  }
  static std::string key_of(const RootCtx& ctx, std::string_view rel) {
    return ctx.tree ? ctx.root.src + "\n" + std::string(rel) : ctx.root.src;
  }

  // Under MPI, a regular file every rank copies a part of: larger than a chunk (and not linked, -H; not
  // compared by content, -c, nor a dry run).
  bool is_split(const StatInfo& st) const {
    return o_.world > 1 && !o_.dry_run && !o_.checksum && st.size > o_.chunk_bytes &&
           !(o_.hard_links && st.nlink > 1);
  }

  // A token of this run, the same on every rank: the shared temporaries of split files are named from it.
  void set_run_token(std::string token) { token_ = std::move(token); }

  // Every rank's part of a split file: its chunks written into a temporary the ranks share, named from the
  // run's token and the path (created by whichever rank comes first, O_NOFOLLOW, a regular file with one
  // link). The owner finishes it in finish_splits. A file already up to date is the owner's alone.
  // `info`: the source's stat from the walk (nullptr: taken from the open source); algo, expected and
  // out_hex as for copy_file.
  void copy_part(RootCtx& ctx, std::string_view rel, const StatInfo* info, unsigned worker,
                 HashAlgo algo = HashAlgo::none, std::string_view expected = {},
                 std::string* out_hex = nullptr) {
    BeneathFile src;
    Fd src_fd;
    StatInfo st;
    if (!source_stat(ctx, rel, info, src, src_fd, st)) return;
    const bool owner = owns(ctx, rel, st);
    const Fd pfd = parent(ctx, rel, worker);
    const std::string name = dst_name(ctx, rel);
    if (pfd.fd < 0) {
      if (owner) output_error({ctx.dst_path(parent_of(rel)), -pfd.fd, "open"});
      return;
    }
    struct stat cur {};
    const bool exists = ::fstatat(pfd.fd, name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISREG(cur.st_mode) && static_cast<uint64_t>(cur.st_size) == st.size &&
        clamped_ns(cur.st_mtim.tv_sec, cur.st_mtim.tv_nsec) == st.mtime_ns) {
      if (owner) copy_file(ctx, rel, &st, worker, algo, expected, out_hex);
      return;
    }
    if (src_fd.fd < 0) {
      if (!open_source(ctx, rel, src)) return;
      src_fd.fd = src.fd;
    }
    std::string tmp = temp_name_for(name);
    const std::string key = key_of(ctx, rel);
    const std::string tag = std::to_string(fnv1a(token_ + "\n" + key) % 900000 + 100000);  // 6 digits
    tmp.replace(tmp.rfind(".dskit-") + 7, 6, tag);
    const Fd out(::openat(pfd.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    struct stat ost {};
    if (out.fd < 0 || ::fstat(out.fd, &ost) != 0 || !S_ISREG(ost.st_mode) || ost.st_nlink != 1)
      return output_error({ctx.dst_path(rel), out.fd < 0 ? errno : ELOOP, "create"});
    const DataError de = copy_data_part(src, out.fd);
    if (de.err) {
      if (de.output) return output_error({ctx.dst_path(rel), de.err, de.op, de.detail ? de.detail : ""});
      return source_error({ctx.src_path(rel), de.err, de.op, de.detail ? de.detail : ""});
    }
    const std::lock_guard lock(mu_);
    splits_.push_back(
        {&ctx, std::string(rel), std::move(tmp), key, owner, exists, algo, std::string(expected), out_hex});
  }

  // After the walk: the split files every rank wrote its part of are finished by their owners (length,
  // attributes, renamed to their names); one a rank did not complete is removed by every rank that has it
  // (the failing rank reported why). A collective: every rank calls it.
  void finish_splits(Comm& comm) {
    WireWriter w;
    for (const auto& s : splits_) w.str(s.key);
    const auto all = comm.gather(w.bytes());
    WireWriter agreed;
    if (comm.is_root()) {
      std::map<std::string, int> n;
      for (const auto& part : all)
        for (WireReader r(part); !r.done() && !r.failed();) ++n[std::string(r.str())];
      for (const auto& [key, count] : n)
        if (count == comm.size()) agreed.str(key);
    }
    const std::string done = comm.broadcast(std::move(agreed.bytes()));
    std::set<std::string> complete;
    for (WireReader r(done); !r.done() && !r.failed();) complete.emplace(r.str());
    for (const auto& s : splits_) {
      Fd pfd(open_parent(*s.ctx, s.rel));
      if (pfd.fd < 0) {
        if (s.owner) output_error({s.ctx->dst_path(parent_of(s.rel)), -pfd.fd, "open"});
        continue;
      }
      if (!complete.contains(s.key) || !s.owner || !finish_split(s, pfd.fd))
        if (!complete.contains(s.key) || s.owner) ::unlinkat(pfd.fd, s.tmp.c_str(), 0);
    }
    splits_.clear();
  }

  void source_error(PathError e) {
    c_.errors.fetch_add(1, std::memory_order_relaxed);
    sink_.on_error(e, false);
  }
  void output_error(PathError e) {
    if (is_fatal_output(e.err)) c_.full.store(true);
    c_.output_errors.fetch_add(1, std::memory_order_relaxed);
    sink_.on_error(e, true);
  }

  // One directory cache per worker (indices at or above `n` are not cached).
  void set_workers(unsigned n) { caches_ = std::vector<DirCache>(n); }

  // The destination directory an entry goes in, opened beneath the destination root; -errno on failure.
  static int open_parent(const RootCtx& ctx, std::string_view dst_rel) {
    if (!ctx.tree) return ctx.dst_fd < 0 ? -ENOENT : ::fcntl(ctx.dst_fd, F_DUPFD_CLOEXEC, 3);
    if (ctx.dst_fd < 0) return -ENOENT;
    return open_dir_beneath(ctx.dst_fd, std::string(parent_of(dst_rel)).c_str());
  }
  // The same through the worker's cache: the descriptor is borrowed (valid until the worker's next call).
  Fd parent(const RootCtx& ctx, std::string_view dst_rel, unsigned worker) {
    if (!ctx.tree) return Fd(ctx.dst_fd < 0 ? -ENOENT : ctx.dst_fd, false);
    if (worker >= caches_.size()) return Fd(open_parent(ctx, dst_rel));
    DirCache& c = caches_[worker];
    const std::string_view want = parent_of(dst_rel);
    if (c.fd < 0 || c.ctx != &ctx || c.rel != want) {
      if (c.fd >= 0) ::close(c.fd);
      c.ctx = &ctx;
      c.rel.assign(want);
      c.fd = open_parent(ctx, dst_rel);
      if (c.fd < 0) {
        const int err = c.fd;
        c.fd = -1;
        return Fd(err, false);
      }
    }
    return Fd(c.fd, false);
  }
  static std::string dst_name(const RootCtx& ctx, std::string_view dst_rel) {
    return ctx.tree ? std::string(name_of(dst_rel)) : ctx.dst_name;
  }

  // A directory of the source: created (mode 0700 until its contents are in) and remembered for its
  // attributes. False when its subtree cannot be copied.
  bool make_dir(RootCtx& ctx, std::string_view rel, int depth, const StatInfo& st, unsigned worker) {
    if (o_.follow && is_loop(ctx, rel, st)) {  // the walk would report it after the directory was made
      source_error({ctx.src_path(rel), ELOOP, "loop"});
      return false;
    }
    const Fd pfd = parent(ctx, rel, worker);
    const std::string name = dst_name(ctx, rel);
    struct stat cur {};
    // In a destination this run created, a new directory is tried first and looked at only when it exists.
    const bool made =
        !o_.dry_run && !ctx.existed && pfd.fd >= 0 && ::mkdirat(pfd.fd, name.c_str(), 0700) == 0;
    const bool exists =
        !made && pfd.fd >= 0 && ::fstatat(pfd.fd, name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0;
    if (o_.dry_run) {
      if ((!exists || !S_ISDIR(cur.st_mode)) && o_.rank == 0)
        sink_.on_change(ChangeKind::copy, ctx.dst_path(rel), 'd');
      return true;
    }
    if (pfd.fd < 0) {
      output_error({ctx.dst_path(parent_of(rel)), -pfd.fd, "open"});
      return false;
    }
    if (exists && !S_ISDIR(cur.st_mode) && ::unlinkat(pfd.fd, name.c_str(), 0) != 0) {
      output_error({ctx.dst_path(rel), errno, "unlink"});
      return false;
    }
    if (made || !exists || !S_ISDIR(cur.st_mode)) {
      if (!made && ::mkdirat(pfd.fd, name.c_str(), 0700) != 0 && errno != EEXIST) {
        output_error({ctx.dst_path(rel), errno, "mkdir"});
        return false;
      }
      c_.dirs.fetch_add(1, std::memory_order_relaxed);
      sink_.on_change(ChangeKind::copy, ctx.dst_path(rel), 'd');
    }
    const std::lock_guard lock(mu_);
    dirs_.push_back({&ctx, std::string(rel), depth, st});
    return true;
  }

  // With -L: whether the directory `rel` is one of its own ancestors in the source (a loop through a
  // link). Each directory is remembered as it comes; its ancestors came before it.
  bool is_loop(const RootCtx& ctx, std::string_view rel, const StatInfo& st) {
    const std::pair<uint64_t, uint64_t> id{st.dev, st.ino};
    const std::lock_guard lock(mu_);
    for (std::string_view p = rel; p != ".";) {
      p = parent_of(p);
      if (auto it = dir_ids_.find({&ctx, std::string(p)}); it != dir_ids_.end() && it->second == id)
        return true;
    }
    dir_ids_[{&ctx, std::string(rel)}] = id;
    return false;
  }

  // A regular file. `st`: the source's stat from the walk (nullptr: taken from the open source). With a
  // HashStream algorithm, the copy hashes what it writes; `expected` (non-empty) must match it.
  void copy_file(RootCtx& ctx, std::string_view rel, const StatInfo* st, unsigned worker,
                 HashAlgo algo = HashAlgo::none, std::string_view expected = {},
                 std::string* out_hex = nullptr) {
    const Fd pfd = parent(ctx, rel, worker);
    const std::string name = dst_name(ctx, rel);
    if (pfd.fd < 0 && !o_.dry_run) {
      output_error({ctx.dst_path(parent_of(rel)), -pfd.fd, "open"});
      return;
    }
    struct stat cur {};
    // A destination this run created holds only what the run put there: nothing to look up (-H aside).
    const bool fresh = !ctx.existed && ctx.tree && !(o_.hard_links && st && st->nlink > 1);
    const bool exists =
        !fresh && pfd.fd >= 0 && ::fstatat(pfd.fd, name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0;
    BeneathFile src;
    Fd src_fd;
    StatInfo sst;
    if (!source_stat(ctx, rel, st, src, src_fd, sst)) return;
    const bool same_meta = exists && S_ISREG(cur.st_mode) && static_cast<uint64_t>(cur.st_size) == sst.size &&
                           clamped_ns(cur.st_mtim.tv_sec, cur.st_mtim.tv_nsec) == sst.mtime_ns;
    LinkState* first = nullptr;
    if (o_.hard_links && sst.nlink > 1 && !o_.dry_run) {
      std::unique_lock lock(mu_);
      const auto [it, inserted] = links_.try_emplace({sst.dev, sst.ino});
      if (!inserted) {
        LinkState& state =
            it->second;  // (a lambda may not capture a structured binding before C++20's P1091)
        cv_.wait(lock, [&state] { return state.done; });
        const LinkState ls = it->second;
        lock.unlock();
        if (ls.ok) make_hard_link(ctx, rel, pfd.fd, name, exists ? &cur : nullptr, ls);
        return;
      }
      it->second.ctx = &ctx;
      it->second.rel = std::string(rel);
      first = &it->second;
    }
    const bool ok = copy_file_body(ctx, rel, pfd.fd, name, exists ? &cur : nullptr, same_meta, sst, src,
                                   src_fd, algo, expected, out_hex);
    if (first) {
      const std::lock_guard lock(mu_);
      first->done = true;
      first->ok = ok;
      cv_.notify_all();
    }
  }

  // A symbolic link, made as a link (its target as it is).
  void copy_symlink(RootCtx& ctx, std::string_view rel, const StatInfo& st, unsigned worker) {
    const std::string src_name = ctx.tree ? std::string(name_of(rel)) : ctx.src_name;
    Fd spfd(ctx.tree ? open_dir_beneath(ctx.src_fd, std::string(parent_of(rel)).c_str())
                     : ::fcntl(ctx.src_fd, F_DUPFD_CLOEXEC, 3));
    if (spfd.fd < 0) return source_error({ctx.src_path(parent_of(rel)), -spfd.fd, "open"});
    std::string target;
    if (const int err = read_link(spfd.fd, src_name, target))
      return source_error({ctx.src_path(rel), err, "readlink"});
    const Fd pfd = parent(ctx, rel, worker);
    const std::string name = dst_name(ctx, rel);
    if (pfd.fd < 0 && !o_.dry_run) return output_error({ctx.dst_path(parent_of(rel)), -pfd.fd, "open"});
    struct stat cur {};
    const bool exists = pfd.fd >= 0 && ::fstatat(pfd.fd, name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISLNK(cur.st_mode)) {
      std::string have;
      if (read_link(pfd.fd, name, have) == 0 && have == target &&
          clamped_ns(cur.st_mtim.tv_sec, cur.st_mtim.tv_nsec) == st.mtime_ns) {
        c_.unchanged.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    if (o_.dry_run) {
      c_.links.fetch_add(1, std::memory_order_relaxed);
      return sink_.on_change(exists ? ChangeKind::update : ChangeKind::copy, ctx.dst_path(rel), 'l');
    }
    std::string tmp;
    int err = EEXIST;
    for (int i = 0; i < kTempTries && err == EEXIST; ++i) {
      tmp = temp_name_for(name);
      err = ::symlinkat(target.c_str(), pfd.fd, tmp.c_str()) == 0 ? 0 : errno;
    }
    if (err) return output_error({ctx.dst_path(rel), err, "symlink"});
    if (root_ && o_.owners) (void)::fchownat(pfd.fd, tmp.c_str(), st.uid, st.gid, AT_SYMLINK_NOFOLLOW);
    const struct timespec times[2] = {{0, UTIME_OMIT}, ts_of(st.mtime_ns)};
    (void)::utimensat(pfd.fd, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW);
    if (::renameat(pfd.fd, tmp.c_str(), pfd.fd, name.c_str()) != 0) {
      err = errno;
      ::unlinkat(pfd.fd, tmp.c_str(), 0);
      return output_error({ctx.dst_path(rel), err, "rename"});
    }
    c_.links.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(exists ? ChangeKind::update : ChangeKind::copy, ctx.dst_path(rel), 'l');
  }

  void special(const RootCtx& ctx, std::string_view rel, FileType t) {
    c_.skipped.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(ChangeKind::skip, ctx.src_path(rel), type_letter(t));
  }

  // Dispatches one entry by type.
  void copy_entry(RootCtx& ctx, std::string_view rel, FileType t, const StatInfo& st, unsigned worker) {
    switch (t) {
      case FileType::file:
        return copy_file(ctx, rel, &st, worker);
      case FileType::symlink:
        return copy_symlink(ctx, rel, st, worker);
      default:
        return special(ctx, rel, t);
    }
  }

  // Modes, owners and times of the directories made, deepest first (after their contents are in).
  void finish_dirs() {
    if (o_.dry_run) return;
    std::sort(dirs_.begin(), dirs_.end(), [](const DirFix& a, const DirFix& b) { return a.depth > b.depth; });
    for (const DirFix& d : dirs_) {
      Fd fd(open_dir_beneath(d.ctx->dst_fd, d.rel.c_str()));
      if (fd.fd < 0) {
        output_error({d.ctx->dst_path(d.rel), -fd.fd, "open"});
        continue;
      }
      if (root_ && o_.owners) (void)::fchown(fd.fd, d.st.uid, d.st.gid);
      const struct timespec times[2] = {{0, UTIME_OMIT}, ts_of(d.st.mtime_ns)};
      if (::fchmod(fd.fd, d.st.mode & 07777) != 0 || ::futimens(fd.fd, times) != 0)
        output_error({d.ctx->dst_path(d.rel), errno, "set attributes"});
      if (o_.xattrs) {
        const Fd src(open_dir_beneath(d.ctx->src_fd, d.rel.c_str()));
        if (src.fd < 0)
          source_error({d.ctx->src_path(d.rel), -src.fd, "open"});
        else
          give_xattrs(*d.ctx, d.rel, src.fd, fd.fd, false);
      }
      if (o_.fsync) (void)::fsync(fd.fd);
    }
    dirs_.clear();
  }

 private:
  // The source's stat: the walk's (`info`), else the open source's (opened into `src` and `src_fd`). False
  // when the source cannot be opened (reported).
  bool source_stat(const RootCtx& ctx, std::string_view rel, const StatInfo* info, BeneathFile& src,
                   Fd& src_fd, StatInfo& st) {
    if (info) {
      st = *info;
      return true;
    }
    if (!open_source(ctx, rel, src)) return false;
    src_fd.fd = src.fd;
    st = stat_info_of(src.st);
    return true;
  }

  // --xattrs: the extended attributes of `src` given to `dst` (both open: no path lookup); a destination
  // filesystem without them is reported once per run (an error: exit 1), then not tried again. True when
  // the destination's attributes differed.
  bool give_xattrs(const RootCtx& ctx, std::string_view rel, int src, int dst, bool fresh) {
    if (!o_.xattrs || xattrs_off_.load(std::memory_order_relaxed)) return false;
    const auto r = copy_detail::sync_xattrs(src, dst, fresh, root_, o_.dry_run);
    if (r.unsupported) {
      if (!xattrs_off_.exchange(true)) {
        c_.errors.fetch_add(1, std::memory_order_relaxed);
        sink_.on_error({ctx.root.dst, ENOTSUP, "setxattr",
                        "the destination does not support extended attributes: none copied (--xattrs)"},
                       true);
      }
    } else if (r.err) {
      c_.errors.fetch_add(1, std::memory_order_relaxed);
      sink_.on_error(
          {r.output ? ctx.dst_path(rel) : ctx.src_path(rel), r.err, r.op, r.detail ? r.detail : ""},
          r.output);
    }
    return r.changed;
  }

  // --xattrs on a file otherwise up to date: its attributes compared with the source's (and set) through
  // descriptors. True when they differed.
  bool refresh_xattrs(RootCtx& ctx, std::string_view rel, int pfd, const std::string& name, BeneathFile& src,
                      Fd& src_fd) {
    if (!o_.xattrs || xattrs_off_.load(std::memory_order_relaxed)) return false;
    if (src_fd.fd < 0) {
      if (!open_source(ctx, rel, src)) return false;
      src_fd.fd = src.fd;
    }
    const Fd dfd(::openat(pfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (dfd.fd < 0) {
      c_.errors.fetch_add(1, std::memory_order_relaxed);
      sink_.on_error({ctx.dst_path(rel), errno, "open"}, true);
      return false;
    }
    return give_xattrs(ctx, rel, src.fd, dfd.fd, false);
  }

  DataError copy_data_part(const BeneathFile& src, int out) {
    return copy_detail::copy_share(src.fd, out, src.st, o_, o_.rank, o_.world, c_.bytes);
  }

  // The owner's end of a split file: its length, owner, mode, times and attributes from the source as it
  // is now, then its name. False when that failed (reported; the caller removes the temporary).
  bool finish_split(const SplitFile& s, int pfd) {
    BeneathFile src;
    if (!open_source(*s.ctx, s.rel, src)) return false;
    const Fd src_fd(src.fd);
    const Fd out(::openat(pfd, s.tmp.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
    const std::string path = s.ctx->dst_path(s.rel);
    if (out.fd < 0) return output_error({path, errno, "open"}), false;
    if (::ftruncate(out.fd, src.st.st_size) != 0) return output_error({path, errno, "truncate"}), false;
    if (s.algo != HashAlgo::none) {  // the parts were written by several ranks: hashed from the copy
      const Fd in(::openat(pfd, s.tmp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      FileHasher h;
      std::string hex;
      const int err = in.fd < 0 ? errno : h.hash_fd(in.fd, s.algo, hex);
      if (err) return output_error({path, err > 0 ? err : EIO, "hash"}), false;
      if (!s.expected.empty() && hex != s.expected)
        return source_error({s.ctx->src_path(s.rel), EINVAL, "verify", "content differs from the manifest"}),
               false;
      if (s.out_hex) *s.out_hex = std::move(hex);
    }
    give_xattrs(*s.ctx, s.rel, src.fd, out.fd, true);
    if (root_ && o_.owners) (void)::fchown(out.fd, src.st.st_uid, src.st.st_gid);
    const struct timespec times[2] = {src.st.st_atim, src.st.st_mtim};
    if (::fchmod(out.fd, src.st.st_mode & 07777) != 0 || ::futimens(out.fd, times) != 0)
      return output_error({path, errno, "set attributes"}), false;
    if (o_.fsync && ::fsync(out.fd) != 0) return output_error({path, errno, "fsync"}), false;
    if (::renameat(pfd, s.tmp.c_str(), pfd, dst_name(*s.ctx, s.rel).c_str()) != 0)
      return output_error({path, errno, "rename"}), false;
    c_.files.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(s.existed ? ChangeKind::update : ChangeKind::copy, path, 'f');
    return true;
  }

  bool open_source(const RootCtx& ctx, std::string_view rel, BeneathFile& f) {
    const std::string r = ctx.tree ? std::string(rel) : ctx.src_name;
    if (const int err = open_beneath(ctx.src_fd, r.c_str(), f, o_.follow)) {
      source_error({ctx.src_path(rel), err, "open", f.detail ? f.detail : ""});
      return false;
    }
    return true;
  }

  static int read_link(int dirfd, const std::string& name, std::string& out) {
    out.assign(PATH_MAX, '\0');
    const ssize_t n = ::readlinkat(dirfd, name.c_str(), out.data(), out.size());
    if (n < 0) return errno;
    if (static_cast<std::size_t>(n) >= out.size()) return ENAMETOOLONG;
    out.resize(static_cast<std::size_t>(n));
    return 0;
  }

  void make_hard_link(const RootCtx& ctx, std::string_view rel, int pfd, const std::string& name,
                      const struct stat* cur, const LinkState& first) {
    Fd fpfd(open_parent(*first.ctx, first.rel));
    const std::string fname = dst_name(*first.ctx, first.rel);
    struct stat fst {};
    if (fpfd.fd < 0 || ::fstatat(fpfd.fd, fname.c_str(), &fst, AT_SYMLINK_NOFOLLOW) != 0)
      return output_error({first.ctx->dst_path(first.rel), fpfd.fd < 0 ? -fpfd.fd : errno, "stat"});
    if (cur && cur->st_ino == fst.st_ino && cur->st_dev == fst.st_dev) {
      c_.unchanged.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::string tmp;
    int err = EEXIST;
    for (int i = 0; i < kTempTries && err == EEXIST; ++i) {
      tmp = temp_name_for(name);
      err = ::linkat(fpfd.fd, fname.c_str(), pfd, tmp.c_str(), 0) == 0 ? 0 : errno;
    }
    if (err) return output_error({ctx.dst_path(rel), err, "link"});
    if (::renameat(pfd, tmp.c_str(), pfd, name.c_str()) != 0) {
      err = errno;
      ::unlinkat(pfd, tmp.c_str(), 0);
      return output_error({ctx.dst_path(rel), err, "rename"});
    }
    c_.links.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(ChangeKind::link, ctx.dst_path(rel), 'f');
  }

  // Compares an existing destination file with the source by content. True when equal; `dfd` is left
  // open on the destination file compared (opened without following a link).
  bool same_content(int pfd, const std::string& name, BeneathFile& src, std::string* src_hex, Fd& dfd) {
    FileHasher h;
    std::string a, b;
    dfd.fd = ::openat(pfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (dfd.fd < 0 || h.hash_fd(dfd.fd, HashAlgo::xxh3_128, a) != 0) return false;
    if (h.hash_fd(src.fd, HashAlgo::xxh3_128, b) != 0) return false;
    if (src_hex) *src_hex = b;
    ::lseek(src.fd, 0, SEEK_SET);
    return a == b;
  }

  // The source's owner (as root, with owners), mode and times given to the destination file `fd` compared
  // by content, through that descriptor: never through the name, which may meanwhile have become a link.
  // False when `name` no longer is that file (it is then copied anew, replacing what is there).
  bool same_attributes_set(int pfd, const std::string& name, int fd, const struct stat& src) {
    struct stat have {
    }, now{};
    if (::fstat(fd, &have) != 0 || ::fstatat(pfd, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        have.st_ino != now.st_ino || have.st_dev != now.st_dev)
      return false;
    if (root_ && o_.owners && (have.st_uid != src.st_uid || have.st_gid != src.st_gid))
      (void)::fchown(fd, src.st_uid, src.st_gid);
    const struct timespec times[2] = {src.st_atim, src.st_mtim};
    (void)::fchmod(fd, src.st_mode & 07777);
    (void)::futimens(fd, times);
    return true;
  }

  bool copy_file_body(RootCtx& ctx, std::string_view rel, int pfd, const std::string& name,
                      const struct stat* cur, bool same_meta, const StatInfo& sst, BeneathFile& src,
                      Fd& src_fd, HashAlgo algo, std::string_view expected, std::string* out_hex) {
    if (same_meta && !o_.checksum) {
      if (refresh_xattrs(ctx, rel, pfd, name, src, src_fd))
        sink_.on_change(ChangeKind::update, ctx.dst_path(rel), 'f');
      else
        c_.unchanged.fetch_add(1, std::memory_order_relaxed);
      if (out_hex && algo != HashAlgo::none) {
        if (!expected.empty()) {
          *out_hex = expected;
        } else {
          FileHasher h;
          Fd dfd(::openat(pfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
          const int err = dfd.fd < 0 ? errno : h.hash_fd(dfd.fd, algo, *out_hex);
          if (err) {
            out_hex->clear();
            output_error({ctx.dst_path(rel), err > 0 ? err : EIO, "hash"});
            return false;
          }
        }
      }
      return true;
    }
    if (src_fd.fd < 0) {
      if (!open_source(ctx, rel, src)) return false;
      src_fd.fd = src.fd;
    }
    Fd dfd;
    if (o_.checksum && cur && S_ISREG(cur->st_mode) && static_cast<uint64_t>(cur->st_size) == sst.size &&
        algo == HashAlgo::none && same_content(pfd, name, src, nullptr, dfd) &&
        (o_.dry_run || same_attributes_set(pfd, name, dfd.fd, src.st))) {
      if (give_xattrs(ctx, rel, src.fd, dfd.fd, false))
        sink_.on_change(ChangeKind::update, ctx.dst_path(rel), 'f');
      else
        c_.unchanged.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    const ChangeKind kind = cur ? ChangeKind::update : ChangeKind::copy;
    if (o_.dry_run) {
      c_.files.fetch_add(1, std::memory_order_relaxed);
      c_.bytes.fetch_add(sst.size, std::memory_order_relaxed);
      sink_.on_change(kind, ctx.dst_path(rel), 'f');
      return true;
    }
    std::string tmp;
    int out = -1, err = EEXIST;
    // The temporary gets the file's permission bits at once; fchmod only for what the umask takes away,
    // set-ID and sticky bits (after the data and the owner, which would clear them).
    const mode_t mode = src.st.st_mode & 07777;
    for (int i = 0; i < kTempTries && err == EEXIST; ++i) {
      tmp = temp_name_for(name);
      out = ::openat(pfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
      err = out < 0 ? errno : 0;
    }
    if (out < 0) {
      output_error({ctx.dst_path(rel), err, "create"});
      return false;
    }
    auto fail = [&](PathError e, bool output) {
      ::close(out);
      ::unlinkat(pfd, tmp.c_str(), 0);
      if (output)
        output_error(std::move(e));
      else
        source_error(std::move(e));
      return false;
    };
    std::unique_ptr<HashStream> hs;
    if (algo != HashAlgo::none) hs = std::make_unique<HashStream>(algo);
    const DataError de = copy_data(src.fd, out, src.st, o_, hs.get(), c_.bytes);
    if (de.err)
      return fail(
          {de.output ? ctx.dst_path(rel) : ctx.src_path(rel), de.err, de.op, de.detail ? de.detail : ""},
          de.output);
    if (hs) {
      std::string hex;
      hs->finish(hex);
      if (!expected.empty() && hex != expected)
        return fail({ctx.src_path(rel), EINVAL, "verify", "content differs from the manifest"}, false);
      if (out_hex) *out_hex = std::move(hex);
    }
    give_xattrs(ctx, rel, src.fd, out, true);
    if (root_ && o_.owners && (src.st.st_uid != uid_ || src.st.st_gid != gid_))
      (void)::fchown(out, src.st.st_uid, src.st.st_gid);
    const struct timespec times[2] = {src.st.st_atim, src.st.st_mtim};
    if (((mode & 07000) != 0 || (mode & umask_) != 0) && ::fchmod(out, mode) != 0)
      return fail({ctx.dst_path(rel), errno, "set attributes"}, true);
    if (::futimens(out, times) != 0) return fail({ctx.dst_path(rel), errno, "set attributes"}, true);
    if (o_.fsync && ::fsync(out) != 0) return fail({ctx.dst_path(rel), errno, "fsync"}, true);
    if (::close(out) != 0) {
      out = -1;
      err = errno;
      ::unlinkat(pfd, tmp.c_str(), 0);
      output_error({ctx.dst_path(rel), err, "close"});
      return false;
    }
    if (::renameat(pfd, tmp.c_str(), pfd, name.c_str()) != 0) {
      err = errno;
      ::unlinkat(pfd, tmp.c_str(), 0);
      output_error({ctx.dst_path(rel), err, "rename"});
      return false;
    }
    c_.files.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(kind, ctx.dst_path(rel), 'f');
    return true;
  }

  const CopyOptions& o_;
  CopySink& sink_;
  CopyCounters& c_;
  const bool root_;
  const uid_t uid_;
  const gid_t gid_;
  mode_t umask_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DirFix> dirs_;
  std::map<std::pair<uint64_t, uint64_t>, LinkState> links_;
  std::map<std::pair<const RootCtx*, std::string>, std::pair<uint64_t, uint64_t>> dir_ids_;  // -L
  std::vector<DirCache> caches_;
  std::string token_;                    // the run's, for the names of split files' temporaries
  std::vector<SplitFile> splits_;        // the split files this rank wrote its part of
  std::atomic<bool> xattrs_off_{false};  // the destination has no extended attributes (reported once)
};

// The walk of the source trees, copying as it goes.
class CopyVisitor : public WalkVisitor {
 public:
  CopyVisitor(Copier& c, std::vector<RootCtx*> roots) : c_(c), roots_(std::move(roots)) {}
  Action on_entry(const Entry& e, unsigned worker) override {
    if (c_.stopped()) return Action::stop;
    RootCtx& ctx = *roots_[e.root_index];
    if (e.type == FileType::dir)
      return c_.make_dir(ctx, e.rel, e.depth, e.st, worker) ? Action::proceed : Action::skip;
    if (e.type == FileType::file && c_.is_split(e.st)) {
      c_.copy_part(ctx, e.rel, &e.st, worker);
      return c_.stopped() ? Action::stop : Action::proceed;
    }
    if (!c_.owns(ctx, e.rel, e.st)) return Action::proceed;
    c_.copy_entry(ctx, e.rel, e.type, e.st, worker);
    return c_.stopped() ? Action::stop : Action::proceed;
  }
  void on_error(const PathError& err, bool, unsigned) override { c_.source_error(err); }

 private:
  Copier& c_;
  std::vector<RootCtx*> roots_;
};

// The walk of existing destination trees: temporaries of an interrupted run, and (remove_extra) what the
// source does not have. Everything goes through descriptors: the walk starts from the destination
// directory the copy opened (its /proc/self/fd name: DST is not looked up again) and opens each directory
// O_NOFOLLOW from its parent's; an entry is looked up in its source directory and removed in its
// destination directory, both opened beneath their roots following no link (kept open per worker, as the
// entries of a directory come together) and the name alone looked at there.
class CleanupVisitor : public WalkVisitor {
 public:
  CleanupVisitor(const CopyOptions& o, CopySink& sink, CopyCounters& c, std::vector<RootCtx*> roots,
                 std::vector<std::string> walked, unsigned threads)
      : o_(o),
        sink_(sink),
        c_(c),
        roots_(std::move(roots)),
        walked_(std::move(walked)),
        src_(threads),
        dst_(threads) {}
  Action on_entry(const Entry& e, unsigned worker) override {
    const RootCtx& ctx = *roots_[e.root_index];
    if (e.depth == 1 && is_stage_file(e.name)) return Action::skip;
    const std::string name(e.name);
    // A name the source has is a copy, whatever it looks like (a source file may be named like a
    // temporary); dscp makes temporary files and links only, so a directory is never one. A source
    // directory that cannot be looked in keeps everything (only ENOENT says "not in the source").
    auto in_source = [&] {
      struct stat st {};
      if (o_.follow)  // -L: the source's links are followed, as the copy followed them
        return ::fstatat(ctx.src_fd, std::string(e.rel).c_str(), &st, 0) == 0 || errno != ENOENT;
      const int sfd = dir_fd(src_[worker], ctx, ctx.src_fd, e.rel);
      if (sfd < 0) return sfd != -ENOENT;
      return ::fstatat(sfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
    };
    ChangeKind kind;
    if (e.type != FileType::dir && is_dskit_temp_name(e.name) && !in_source()) {
      kind = ChangeKind::temp;
    } else if (o_.remove_extra && !in_source()) {
      kind = ChangeKind::remove;
    } else {
      return Action::proceed;
    }
    if (!o_.dry_run) {
      const int pfd = dir_fd(dst_[worker], ctx, ctx.dst_fd, e.rel);
      const int err = pfd < 0 ? -pfd : remove_tree_at(pfd, name.c_str());
      if (err) {
        c_.output_errors.fetch_add(1, std::memory_order_relaxed);
        sink_.on_error({ctx.dst_path(e.rel), err, "remove"}, true);
        return Action::skip;
      }
    }
    c_.removed.fetch_add(1, std::memory_order_relaxed);
    sink_.on_change(kind, ctx.dst_path(e.rel), type_letter(e.type));
    return Action::skip;
  }
  void on_error(const PathError& err, bool, unsigned) override {
    c_.output_errors.fetch_add(1, std::memory_order_relaxed);
    PathError e = err;
    for (std::size_t i = 0; i < walked_.size(); ++i)  // a /proc/self/fd name back to DST as given
      if (e.path.starts_with(walked_[i]) &&
          (e.path.size() == walked_[i].size() || e.path[walked_[i].size()] == '/')) {
        e.path = roots_[i]->dst_path(
            std::string_view(e.path).substr(std::min(e.path.size(), walked_[i].size() + 1)));
        break;
      }
    sink_.on_error(e, true);
  }
  static bool is_stage_file(std::string_view name) { return name == kStageLock || name == kStageDone; }

 private:
  // The directory holding `rel` beneath `rootfd`, through the worker's cache; -errno on failure.
  static int dir_fd(DirCache& c, const RootCtx& ctx, int rootfd, std::string_view rel) {
    const std::string_view want = parent_of(rel);
    if (c.ctx == &ctx && c.rel == want && c.fd != -1) return c.fd;
    if (c.fd >= 0) ::close(c.fd);
    c.ctx = &ctx;
    c.rel.assign(want);
    c.fd = open_dir_beneath(rootfd, c.rel.c_str());
    return c.fd;
  }

  const CopyOptions& o_;
  CopySink& sink_;
  CopyCounters& c_;
  std::vector<RootCtx*> roots_;
  std::vector<std::string> walked_;  // the walk's root paths
  std::vector<DirCache> src_, dst_;  // per worker: the last source and destination directory
};

// The destination DST/NAME of a directory: NAME opened in DST without following it; a symbolic link
// there is replaced by a directory, never followed (a copy, --delete and the attributes would act inside
// its target). DST itself, as the user gave it, is followed. False when it cannot be made (reported).
bool open_named_root(RootCtx& ctx, const CopyOptions& o, CopySink& sink, CopyCounters& c) {
  const std::string dst = strip_slashes(ctx.root.dst);
  const std::string name(name_of(dst));
  auto out_error = [&](const std::string& path, int err, const char* op) {
    c.output_errors.fetch_add(1);
    if (is_fatal_output(err)) c.full.store(true);
    sink.on_error({path, err, op}, true);
    return false;
  };
  const Fd pfd(::open(dir_of(dst).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (pfd.fd < 0) {
    if (o.dry_run) {
      if (o.rank == 0) sink.on_change(ChangeKind::copy, ctx.root.dst, 'd');
      return true;
    }
    return out_error(dir_of(dst), errno, "open");
  }
  struct stat st {};
  const bool exists = ::fstatat(pfd.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
    return out_error(ctx.root.dst, ENOTDIR, "create");
  if (exists && S_ISDIR(st.st_mode)) {
    ctx.existed = true;
  } else if (o.dry_run) {
    if (o.rank == 0) sink.on_change(ChangeKind::copy, ctx.root.dst, 'd');
    return true;
  } else {
    // ENOENT, EISDIR: another rank replaced it first.
    if (exists && ::unlinkat(pfd.fd, name.c_str(), 0) != 0 && errno != ENOENT && errno != EISDIR)
      return out_error(ctx.root.dst, errno, "unlink");
    if (::mkdirat(pfd.fd, name.c_str(), 0700) != 0 && errno != EEXIST)
      return out_error(ctx.root.dst, errno, "mkdir");
    c.dirs.fetch_add(1);
    sink.on_change(ChangeKind::copy, ctx.root.dst, 'd');
  }
  ctx.dst_fd = ::openat(pfd.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (ctx.dst_fd < 0) return out_error(ctx.root.dst, errno == ENOTDIR ? ELOOP : errno, "open");
  return true;
}

// Opens the roots: the source directory (or a single entry's parent) and the destination, created when
// missing. False when the root cannot be copied (reported).
bool open_root(RootCtx& ctx, const CopyOptions& o, CopySink& sink, CopyCounters& c, struct stat& st) {
  const std::string& src = ctx.root.src;
  if ((o.follow ? ::stat(src.c_str(), &st) : ::lstat(src.c_str(), &st)) != 0) {
    c.errors.fetch_add(1);
    sink.on_error({src, errno, "stat"}, false);
    return false;
  }
  ctx.tree = S_ISDIR(st.st_mode);
  if (!ctx.tree) {
    ctx.src_fd = ::open(dir_of(strip_slashes(src)).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ctx.src_name = std::string(name_of(strip_slashes(src)));
    ctx.dst_fd = ::open(dir_of(strip_slashes(ctx.root.dst)).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ctx.dst_name = std::string(name_of(strip_slashes(ctx.root.dst)));
    if (ctx.src_fd < 0) {
      c.errors.fetch_add(1);
      sink.on_error({src, errno, "open"}, false);
      return false;
    }
    if (ctx.dst_fd < 0 && !o.dry_run) {
      c.output_errors.fetch_add(1);
      sink.on_error({dir_of(ctx.root.dst), errno, "open"}, true);
      return false;
    }
    return true;
  }
  ctx.src_fd = ::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx.src_fd < 0) {
    c.errors.fetch_add(1);
    sink.on_error({src, errno, "open"}, false);
    return false;
  }
  const std::string& dst = ctx.root.dst;
  if (ctx.root.named) return open_named_root(ctx, o, sink, c);
  struct stat dst_st {};
  if (::stat(dst.c_str(), &dst_st) == 0) {
    if (!S_ISDIR(dst_st.st_mode)) {
      c.output_errors.fetch_add(1);
      sink.on_error({dst, ENOTDIR, "create"}, true);
      return false;
    }
    ctx.existed = true;
  } else if (o.dry_run) {
    if (o.rank == 0) sink.on_change(ChangeKind::copy, dst, 'd');
    return true;
  } else if (::mkdir(dst.c_str(), 0700) != 0 && errno != EEXIST) {
    const int err = errno;
    c.output_errors.fetch_add(1);
    if (is_fatal_output(err)) c.full.store(true);
    sink.on_error({dst, err, "mkdir"}, true);
    return false;
  } else {
    c.dirs.fetch_add(1);
    sink.on_change(ChangeKind::copy, dst, 'd');
  }
  ctx.dst_fd = ::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx.dst_fd < 0) {
    c.output_errors.fetch_add(1);
    sink.on_error({dst, errno, "open"}, true);
    return false;
  }
  return true;
}

// The cleanup pass over the destination roots that existed before the run (or all, with remove_extra).
void cleanup(const std::vector<RootCtx*>& roots, const CopyOptions& o, CopySink& sink, CopyCounters& c) {
  std::vector<RootCtx*> todo;
  std::vector<std::string> paths;
  for (RootCtx* r : roots)
    if (r->tree && r->dst_fd >= 0 && (r->existed || o.remove_extra)) {
      todo.push_back(r);
      // The directory the copy opened, by its descriptor's name: a DST replaced meanwhile (by a link to
      // elsewhere) is not the one walked. Without /proc, DST as given.
      const std::string fd_path = "/proc/self/fd/" + std::to_string(r->dst_fd);
      struct stat a {
      }, b{};
      const bool same = ::stat(fd_path.c_str(), &a) == 0 && ::fstat(r->dst_fd, &b) == 0 &&
                        a.st_dev == b.st_dev && a.st_ino == b.st_ino;
      paths.push_back(same ? fd_path : r->root.dst);
    }
  if (todo.empty()) return;
  WalkOptions wo;
  std::vector<std::string> given;
  for (const RootCtx* r : todo) given.push_back(r->root.dst);
  wo.threads = choose_threads(given, o.threads);  // from DST's filesystem (/proc's is not it)
  CleanupVisitor v(o, sink, c, todo, paths, wo.threads);
  walk(paths, wo, v);
}

// The directory `rel` beneath `rootfd`, made with its missing parents (no link followed: a link or other
// non-directory in the way is replaced by a directory, as the tree copy does). 0 or an errno.
int make_parents(int rootfd, std::string_view rel) {
  Fd cur(::fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
  std::size_t pos = 0;
  while (cur.fd >= 0 && pos < rel.size()) {
    const std::size_t slash = std::min(rel.find('/', pos), rel.size());
    const std::string name(rel.substr(pos, slash - pos));
    pos = slash + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") return EXDEV;
    if (::mkdirat(cur.fd, name.c_str(), 0755) != 0 && errno != EEXIST) return errno;
    int next = ::openat(cur.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st {};
    if (next < 0 && (errno == ENOTDIR || errno == ELOOP) &&
        ::fstatat(cur.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
      if (::unlinkat(cur.fd, name.c_str(), 0) != 0 ||
          (::mkdirat(cur.fd, name.c_str(), 0755) != 0 && errno != EEXIST))
        return errno;
      next = ::openat(cur.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) return errno == ENOTDIR ? ELOOP : errno;
    ::close(cur.fd);
    cur.fd = next;
  }
  return cur.fd < 0 ? errno : 0;
}

}  // namespace

std::string_view change_name(ChangeKind k) {
  return enum_name(kChangeNames, k);
}

std::optional<std::string> plan_roots(const std::vector<std::string>& srcs, const std::string& dst, bool,
                                      std::vector<CopyRoot>& out) {
  out.clear();
  if (srcs.empty()) return "missing source and destination operands";
  struct stat st {};
  const bool dst_dir = ::stat(dst.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!dst_dir && srcs.size() > 1) return "target '" + escape_field(dst) + "' is not a directory";
  for (const auto& s : srcs) {
    if (s.empty()) return std::string("an empty source operand");
    if (!dst_dir) {
      out.push_back({s, dst});
      continue;
    }
    const std::string src = strip_slashes(s);
    const std::string_view name = name_of(src);
    std::string d = strip_slashes(dst);
    if (name == "." || name == "/" || name == "..")
      out.push_back({s, d});
    else
      out.push_back({s, d + (d == "/" ? "" : "/") + std::string(name), true});
  }
  return check_roots(out);
}

std::optional<std::string> check_roots(const std::vector<CopyRoot>& roots) {
  struct stat st {};
  for (const auto& r : roots) {
    char* rs = ::realpath(r.src.c_str(), nullptr);
    // The DST operand is followed (a link to a directory inside SRC too); a named root's last component not.
    char* whole = r.named ? nullptr : ::realpath(r.dst.c_str(), nullptr);
    char* rd = whole ? nullptr : ::realpath(dir_of(strip_slashes(r.dst)).c_str(), nullptr);
    std::string a = rs ? rs : "", b = whole ? std::string(whole)
                                      : rd
                                          ? std::string(rd) + "/" + std::string(name_of(strip_slashes(r.dst)))
                                          : "";
    std::free(rs);
    std::free(whole);
    std::free(rd);
    if (!a.empty() && !b.empty() && (b == a || b.starts_with(a + "/")) && ::lstat(r.src.c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode))
      return "cannot copy '" + escape_field(r.src) + "' into itself ('" + escape_field(r.dst) + "')";
  }
  return std::nullopt;
}

unsigned entry_owner(std::string_view rel, unsigned world) {
  return world <= 1 ? 0 : static_cast<unsigned>(fnv1a(rel) % world);
}

std::vector<std::size_t> deal_by_size(const std::vector<ListedFile>& files, unsigned rank, unsigned world) {
  std::vector<std::size_t> order(files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (world <= 1) return order;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return files[a].size > files[b].size; });
  std::vector<uint64_t> load(world, 0);
  std::vector<std::size_t> mine;
  for (const std::size_t i : order) {
    const auto least = static_cast<unsigned>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += files[i].size + 1;  // + 1: empty files are dealt out too
    if (least == rank) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

void copy_roots(const std::vector<CopyRoot>& roots, const CopyOptions& opts, CopySink& sink,
                CopyCounters& counters, Comm* comm) {
  Copier copier(opts, sink, counters);
  if (comm && comm->size() > 1) copier.set_run_token(comm->broadcast(temp_name_for("")));
  std::vector<std::unique_ptr<RootCtx>> ctxs;
  std::vector<RootCtx*> trees;
  std::vector<std::string> tree_paths;
  for (const auto& r : roots) {
    auto ctx = std::make_unique<RootCtx>();
    ctx->root = r;
    struct stat st {};
    if (!open_root(*ctx, opts, sink, counters, st)) continue;
    const StatInfo info = stat_info_of(st);
    if (ctx->tree) {
      if (!opts.dry_run && ctx->dst_fd >= 0) copier.make_dir(*ctx, ".", 0, info, ~0u);
      trees.push_back(ctx.get());
      tree_paths.push_back(r.src);
    } else if (S_ISREG(st.st_mode) && copier.is_split(info)) {
      copier.copy_part(*ctx, ctx->src_name, &info, ~0u);
    } else if (copier.owns(*ctx, ctx->src_name, info)) {
      copier.copy_entry(*ctx, ctx->src_name, file_type_of_mode(st.st_mode), info, ~0u);
    }
    ctxs.push_back(std::move(ctx));
  }
  if (!tree_paths.empty() && !counters.full) {
    WalkOptions wo;
    wo.threads = choose_threads(tree_paths, opts.threads);
    wo.follow = opts.follow;
    wo.need_stat = true;
    copier.set_workers(wo.threads);
    CopyVisitor v(copier, trees);
    walk(tree_paths, wo, v);
  }
  if (comm && comm->size() > 1) {
    copier.finish_splits(*comm);
    comm->barrier();  // every rank's files are in before the cleanup and the directories' times
    if (!comm->is_root()) return;
  }
  if (!counters.full) cleanup(trees, opts, sink, counters);
  copier.finish_dirs();
}

void copy_listed(const std::string& src_root, const std::string& dst_root,
                 const std::vector<ListedFile>& files, HashAlgo algo, const CopyOptions& opts, CopySink& sink,
                 CopyCounters& counters, std::vector<CopiedFile>& copied, Comm* comm) {
  copied.assign(files.size(), CopiedFile());
  RootCtx ctx;
  ctx.root = {src_root, dst_root};
  ctx.tree = true;
  struct stat st {};
  ctx.existed = ::stat(dst_root.c_str(), &st) == 0;
  // Set-up failures are reported and the copy skipped, but every rank still reaches the barrier below.
  const bool ready = [&] {
    ctx.src_fd = ::open(src_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctx.src_fd < 0) {
      counters.errors.fetch_add(1);
      sink.on_error({src_root, errno, "open"}, false);
      return false;
    }
    if (!opts.dry_run && ::mkdir(dst_root.c_str(), 0755) != 0 && errno != EEXIST) {
      counters.output_errors.fetch_add(1);
      if (is_fatal_output(errno)) counters.full.store(true);
      sink.on_error({dst_root, errno, "mkdir"}, true);
      return false;
    }
    ctx.dst_fd = ::open(dst_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctx.dst_fd < 0 && !opts.dry_run) {
      counters.output_errors.fetch_add(1);
      sink.on_error({dst_root, errno, "open"}, true);
      return false;
    }
    return true;
  }();
  Copier copier(opts, sink, counters);
  const bool ranks = comm && comm->size() > 1;
  // Under MPI a file larger than a chunk is copied by every rank, a part each; the others are dealt out
  // by size, each to one rank.
  std::vector<std::size_t> order;
  std::vector<char> split(files.size(), 0);
  if (ranks) {
    copier.set_run_token(comm->broadcast(temp_name_for("")));
    std::vector<ListedFile> sizes;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < files.size(); ++i) {
      StatInfo si;
      si.size = files[i].size;
      si.nlink = 1;
      if (copier.is_split(si)) {
        split[i] = 1;
        order.push_back(i);
      } else {
        sizes.push_back({{}, files[i].size, {}});
        idx.push_back(i);
      }
    }
    for (const std::size_t j : deal_by_size(sizes, opts.rank, opts.world)) order.push_back(idx[j]);
  } else {
    order.resize(files.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  }
  // The copy as it is now, looked at in its directory (no path lookup, no link followed), for
  // --write-manifest.
  auto record = [&](std::size_t i, unsigned worker) {
    CopiedFile& out = copied[i];
    if (opts.dry_run || out.hash.empty()) return;
    struct stat dst {};
    const Fd pfd = copier.parent(ctx, files[i].rel, worker);
    if (pfd.fd < 0 ||
        ::fstatat(pfd.fd, std::string(name_of(files[i].rel)).c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) {
      out.hash.clear();
      copier.output_error({ctx.dst_path(files[i].rel), pfd.fd < 0 ? -pfd.fd : errno, "stat"});
      return;
    }
    out.size = static_cast<uint64_t>(dst.st_size);
    out.mtime_ns = clamped_ns(dst.st_mtim.tv_sec, dst.st_mtim.tv_nsec);
    out.ino = dst.st_ino;
  };
  // Large files first, so that the last file to finish is a small one.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return files[a].size > files[b].size; });
  std::atomic<std::size_t> next{0};
  const unsigned n = std::max(1u, opts.threads ? opts.threads : io_concurrency(src_root));
  copier.set_workers(n);
  std::vector<std::thread> workers;
  for (unsigned t = 0; ready && t < std::min<std::size_t>(n, std::max<std::size_t>(files.size(), 1)); ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t k; (k = next.fetch_add(1)) < order.size() && !counters.full.load();) {
        const ListedFile& f = files[order[k]];
        // The directory is made (with its parents) only when the worker cannot open it.
        // A link or file in the way of the directory is replaced (ELOOP, ENOTDIR), never followed.
        const int dir = opts.dry_run ? 0 : copier.parent(ctx, f.rel, t).fd;
        if (dir == -ENOENT || dir == -ELOOP || dir == -ENOTDIR) {
          if (const int err = make_parents(ctx.dst_fd, parent_of(f.rel))) {
            copier.output_error({ctx.dst_path(parent_of(f.rel)), err, "mkdir"});
            continue;
          }
        }
        if (split[order[k]]) {
          copier.copy_part(ctx, f.rel, nullptr, t, algo, f.hash, &copied[order[k]].hash);
          continue;  // recorded once finished
        }
        copier.copy_file(ctx, f.rel, nullptr, t, algo, f.hash, &copied[order[k]].hash);
        record(order[k], t);
      }
    });
  }
  for (auto& w : workers) w.join();
  if (ranks) {
    copier.finish_splits(*comm);
    for (std::size_t i = 0; i < files.size(); ++i)
      if (split[i]) record(i, ~0u);
    comm->barrier();  // another rank's temporaries are its copies in flight until it is done
    if (!comm->is_root()) return;
  }
  if (!counters.full && ctx.existed && ctx.dst_fd >= 0) {
    CopyOptions co = opts;
    co.remove_extra = false;  // the manifest lists a selection, not the whole tree
    std::vector<RootCtx*> one{&ctx};
    cleanup(one, co, sink, counters);
  }
}

}  // namespace dskit
