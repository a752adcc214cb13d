#include "dskit/walk/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "dskit/base/fstype.h"
#include "dskit/walk/task_queue.h"

namespace dskit {

char type_letter(FileType t) {
  switch (t) {
    case FileType::file:
      return 'f';
    case FileType::dir:
      return 'd';
    case FileType::symlink:
      return 'l';
    case FileType::block:
      return 'b';
    case FileType::chr:
      return 'c';
    case FileType::fifo:
      return 'p';
    case FileType::socket:
      return 's';
    case FileType::unknown:
      break;
  }
  return '?';
}

namespace {

constexpr std::size_t kDentsBuffer = 64 * 1024;

// The record getdents64(2) fills in.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

FileType from_dtype(unsigned char d) {
  switch (d) {
    case DT_REG:
      return FileType::file;
    case DT_DIR:
      return FileType::dir;
    case DT_LNK:
      return FileType::symlink;
    case DT_BLK:
      return FileType::block;
    case DT_CHR:
      return FileType::chr;
    case DT_FIFO:
      return FileType::fifo;
    case DT_SOCK:
      return FileType::socket;
    default:
      return FileType::unknown;
  }
}

StatInfo from_statx(const struct statx& s) {
  StatInfo st;
  st.size = s.stx_size;
  st.mtime_ns = clamped_ns(s.stx_mtime.tv_sec, s.stx_mtime.tv_nsec);
  st.ino = s.stx_ino;
  st.dev = makedev(s.stx_dev_major, s.stx_dev_minor);
  st.nlink = s.stx_nlink;
  st.mode = s.stx_mode;
  st.uid = s.stx_uid;
  st.gid = s.stx_gid;
  return st;
}

// Out of file descriptors (EMFILE, ENFILE: a low `ulimit -n`, many workers each holding directories
// open): an open waits for another worker to close a directory and tries again, instead of losing the
// subtree. Closes are announced only while someone waits, so the common path takes no lock.
class FdGate {
 public:
  // openat(dirfd, name, flags), retried after each directory close while descriptors run out; gives up
  // (with EMFILE) only when no directory closes for `patience`.
  int open(int dirfd, const char* name, int flags, std::chrono::milliseconds patience = kPatience) {
    int fd = ::openat(dirfd, name, flags);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE)) return fd;
    waiters_.fetch_add(1);
    std::unique_lock lk(mu_);
    auto idle = std::chrono::steady_clock::duration::zero();
    int err = errno;
    for (;;) {
      const uint64_t seen = closes_;
      lk.unlock();
      fd = ::openat(dirfd, name, flags);
      err = errno;
      lk.lock();
      if (fd >= 0 || (err != EMFILE && err != ENFILE)) break;
      const auto start = std::chrono::steady_clock::now();
      if (cv_.wait_for(lk, kPoll, [&] { return closes_ != seen; })) {
        idle = {};
      } else if ((idle += std::chrono::steady_clock::now() - start) >= patience) {
        break;
      }
    }
    lk.unlock();
    waiters_.fetch_sub(1);
    errno = err;
    return fd;
  }
  // Called after a directory fd is closed.
  void closed() {
    if (waiters_.load() == 0) return;
    {
      std::lock_guard lk(mu_);
      ++closes_;
    }
    cv_.notify_all();
  }

 private:
  static constexpr auto kPoll = std::chrono::milliseconds(10);  // descriptors held outside the walk

 public:
  static constexpr std::chrono::milliseconds kPatience{2000};
  // Every worker may be waiting, each holding the parent of the directory it wants to open: a worker
  // that alone holds its parent lets it go after this long (see read_dir).
  static constexpr std::chrono::milliseconds kSoleHolder{50};

 private:
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t closes_ = 0;
};

// An open directory whose children are still being processed; the fd closes with the last reference.
struct DirNode {
  FdGate* gate = nullptr;
  int fd = -1;
  std::string path;
  int depth = 0;
  std::size_t prefix_len = 0;  // bytes of a child's path before its relative part
  std::size_t root_index = 0;
  uint64_t root_dev = 0;
  uint64_t dev = 0, ino = 0;
  std::shared_ptr<DirNode> parent;  // kept only with `follow`, for loop detection
  // Workers looking up this directory's children right now (opening a subdirectory, stat'ing a batch).
  std::atomic<uint32_t> lookups{0};
  DirNode() = default;
  DirNode(const DirNode&) = delete;
  DirNode& operator=(const DirNode&) = delete;
  ~DirNode() {
    if (fd < 0) return;
    ::close(fd);
    if (gate) gate->closed();
  }
};

struct RawEntry {
  std::string name;
  FileType type;
};

struct Task {
  enum class Kind : uint8_t { read_dir, stat_batch } kind = Kind::read_dir;
  std::shared_ptr<DirNode> dir;  // read_dir: the parent (null for a root); stat_batch: the directory
  // read_dir only:
  std::string path;
  std::string name;
  int depth = 0;
  bool have_id = false;
  uint64_t dev = 0, ino = 0;
  std::size_t prefix_len = 0, root_index = 0;
  uint64_t root_dev = 0;
  // stat_batch only:
  std::vector<RawEntry> batch;
};

struct alignas(64) WorkerCounters {
  uint64_t dirs = 0, entries = 0, errors = 0, vanished = 0;
};

class WalkRun {
 public:
  WalkRun(const WalkOptions& opts, WalkVisitor& visitor, unsigned threads)
      : opts_(opts), visitor_(visitor), threads_(threads), counters_(threads) {
    batch_size_ = threads > 16 ? 8 : 256;
    spread_ = threads > 16;
  }

  void add_root(const std::string& root, std::size_t index) {
    struct statx sx {};
    const unsigned mask =
        STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_NLINK | STATX_UID | STATX_GID;
    if (root.empty() || ::statx(AT_FDCWD, root.c_str(), AT_NO_AUTOMOUNT, mask, &sx) != 0) {
      visitor_.on_error({root, root.empty() ? ENOENT : errno, "stat"}, true, 0);
      ++counters_[0].errors;
      return;
    }
    if (opts_.include_roots) {
      Entry e;
      e.path = root;
      std::string_view name(root);
      while (name.size() > 1 && name.back() == '/') name.remove_suffix(1);
      if (const auto slash = name.rfind('/'); slash != std::string_view::npos && name.size() > 1)
        name.remove_prefix(slash + 1);
      e.name = name;
      e.type = file_type_of_mode(sx.stx_mode);
      e.root_index = index;
      const StatInfo st = from_statx(sx);
      if (opts_.need_stat) {
        e.has_stat = true;
        e.st = st;
      }
      ++counters_[0].entries;
      const Action a = visitor_.on_entry(e, 0);
      if (a == Action::stop) stop_.store(true);
      if (a != Action::proceed) return;
    }
    if (!S_ISDIR(sx.stx_mode) || opts_.max_depth == 0 || stop_.load()) return;
    Task t;
    t.path = root;
    t.depth = 0;
    t.have_id = true;
    t.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    t.ino = sx.stx_ino;
    t.prefix_len = root.size() + (root.back() == '/' ? 0 : 1);
    t.root_index = index;
    t.root_dev = t.dev;
    queue_.push(std::move(t));
  }

  WalkStats run() {
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads_; ++i) pool.emplace_back([this, i] { work(i); });
    work(0);
    for (auto& t : pool) t.join();
    WalkStats s;
    for (const auto& c : counters_) {
      s.dirs += c.dirs;
      s.entries += c.entries;
      s.errors += c.errors;
      s.vanished += c.vanished;
    }
    s.threads = threads_;
    s.stopped = stop_.load();
    return s;
  }

 private:
  void work(unsigned id) {
    std::unique_ptr<char[]> dents(new char[kDentsBuffer]);
    std::string pathbuf;
    for (;;) {
      Task t;
      DirNode* looking = nullptr;  // the directory t looks up names in, counted in its `lookups`
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return !queue_.empty() || active_ == 0; });
        if (queue_.empty()) return;
        t = take();
        looking = t.dir.get();
        if (looking) looking->lookups.fetch_add(1, std::memory_order_relaxed);
        ++active_;
      }
      if (!stop_.load(std::memory_order_relaxed)) {
        if (t.kind == Task::Kind::read_dir)
          read_dir(t, id, dents.get(), pathbuf, looking);
        else
          stat_batch(t, id, pathbuf);
      }
      if (looking) looking->lookups.fetch_sub(1, std::memory_order_relaxed);
      {
        std::lock_guard lk(mu_);
        --active_;
        if (active_ == 0 && queue_.empty()) cv_.notify_all();
      }
    }
  }

  // The next task (mu_ held, queue_ not empty); t.dir is the directory whose names the task looks up.
  Task take() {
    return queue_.take(spread_, [](const Task& t) -> uint32_t {
      return t.dir ? t.dir->lookups.load(std::memory_order_relaxed) : 0;
    });
  }

  // Queues `tasks` as one group: the tasks of one call share their directory (t.dir).
  void push(std::vector<Task>& tasks) {
    if (tasks.empty()) return;
    const bool one = tasks.size() == 1;
    {
      std::lock_guard lk(mu_);
      queue_.push(tasks);
    }
    if (one)
      cv_.notify_one();
    else
      cv_.notify_all();
  }

  void error(unsigned id, std::string path, int err, const char* op) {
    ++counters_[id].errors;
    visitor_.on_error({std::move(path), err, op}, false, id);
  }

  void vanished(unsigned id, std::string_view path) {
    ++counters_[id].vanished;
    visitor_.on_vanished(path, id);
  }

  // Hands one entry to the visitor and queues its subtree when it is a directory to descend into.
  void emit(const std::shared_ptr<DirNode>& dir, const std::string& path, std::string_view name,
            FileType type, const StatInfo* st, unsigned id, std::vector<Task>& subdirs) {
    Entry e;
    e.path = path;
    e.rel = std::string_view(path).substr(dir->prefix_len);
    e.name = name;
    e.type = type;
    e.depth = dir->depth + 1;
    e.root_index = dir->root_index;
    if (st) {
      e.has_stat = true;
      e.st = *st;
    }
    ++counters_[id].entries;
    const Action a = visitor_.on_entry(e, id);
    if (a == Action::stop) {
      stop_.store(true);
      return;
    }
    if (a == Action::skip || type != FileType::dir) return;
    if (opts_.max_depth >= 0 && e.depth >= opts_.max_depth) return;
    Task t;
    t.dir = dir;
    t.path = path;
    t.name = std::string(name);
    t.depth = e.depth;
    if (st && opts_.need_stat) {
      t.have_id = true;
      t.dev = st->dev;
      t.ino = st->ino;
    }
    t.prefix_len = dir->prefix_len;
    t.root_index = dir->root_index;
    t.root_dev = dir->root_dev;
    subdirs.push_back(std::move(t));
  }

  // `looking`: t's parent, whose lookup count the open ends (set to null then).
  void read_dir(Task& t, unsigned id, char* buf, std::string& pathbuf, DirNode*& looking) {
    const int parent_fd = t.dir ? t.dir->fd : AT_FDCWD;
    const char* open_name = t.dir ? t.name.c_str() : t.path.c_str();
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
    if (!opts_.follow && t.dir) flags |= O_NOFOLLOW;
    // A task that alone holds its parent (the last child left to open) waits briefly, then closes the
    // parent and opens the directory by its path: when every worker waits for a descriptor, each
    // holding a parent, that is what lets the walk go on.
    const bool child = t.dir != nullptr;
    const bool sole = child && !opts_.follow && t.dir.use_count() == 1 && t.path.size() < PATH_MAX;
    int fd = gate_.open(parent_fd, open_name, flags, sole ? FdGate::kSoleHolder : FdGate::kPatience);
    if (looking) {
      const int err = errno;
      looking->lookups.fetch_sub(1, std::memory_order_relaxed);
      looking = nullptr;
      errno = err;
    }
    if (fd < 0 && sole && (errno == EMFILE || errno == ENFILE)) {
      t.dir.reset();
      fd = gate_.open(AT_FDCWD, t.path.c_str(), flags);
    }
    if (fd < 0) {
      if (errno == ENOENT && child)
        vanished(id, t.path);
      else
        error(id, t.path, errno, "opendir");
      return;
    }
    auto node = std::make_shared<DirNode>();
    node->fd = fd;
    node->gate = &gate_;
    node->depth = t.depth;
    node->prefix_len = t.prefix_len;
    node->root_index = t.root_index;
    node->root_dev = t.root_dev;
    if (opts_.follow || opts_.one_file_system) {
      if (t.have_id) {
        node->dev = t.dev;
        node->ino = t.ino;
      } else {
        // The device and inode of an open directory never change: the kernel's cached attributes give
        // them exactly, without the round trip a revalidation costs on NFS and FUSE (one per directory).
        struct statx sx {};
        if (::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_INO, &sx) != 0) {
          error(id, t.path, errno, "stat");
          return;
        }
        node->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
        node->ino = sx.stx_ino;
      }
      if (opts_.one_file_system && node->dev != node->root_dev) return;
      if (opts_.follow) {
        for (const DirNode* p = t.dir.get(); p; p = p->parent.get()) {
          if (p->dev == node->dev && p->ino == node->ino) {
            error(id, t.path, ELOOP, "loop");
            return;
          }
        }
        node->parent = t.dir;
      }
    }
    node->path = std::move(t.path);
    t.dir.reset();
    ++counters_[id].dirs;

    pathbuf.assign(node->path);
    if (pathbuf.empty() || pathbuf.back() != '/') pathbuf.push_back('/');
    const std::size_t base = pathbuf.size();
    std::vector<Task> subdirs;
    std::vector<RawEntry> batch;
    std::vector<Task> batches;
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buf, kDentsBuffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        error(id, node->path, errno, "readdir");
        break;
      }
      if (n == 0) break;
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
        off += d->d_reclen;
        const char* nm = d->d_name;
        if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
        const std::string_view name(nm);
        FileType type = from_dtype(d->d_type);
        pathbuf.resize(base);
        pathbuf.append(name);
        if (opts_.prune && opts_.prune(std::string_view(pathbuf).substr(node->prefix_len), name, type))
          continue;
        const bool need =
            opts_.need_stat || type == FileType::unknown || (opts_.follow && type == FileType::symlink);
        if (!need) {
          emit(node, pathbuf, name, type, nullptr, id, subdirs);
          if (stop_.load(std::memory_order_relaxed)) return;
          continue;
        }
        batch.push_back({std::string(name), type});
        if (batch.size() >= batch_size_) {
          Task bt;
          bt.kind = Task::Kind::stat_batch;
          bt.dir = node;
          bt.batch = std::move(batch);
          batch.clear();
          batches.push_back(std::move(bt));
          // Back-pressure: when others are far behind, stat this batch here instead of queueing it.
          if (queued_batches_.load(std::memory_order_relaxed) > 4 * threads_) {
            stat_batch(batches.back(), id, pathbuf, /*queued=*/false);
            batches.pop_back();
            pathbuf.assign(node->path);
            if (pathbuf.back() != '/') pathbuf.push_back('/');
          } else if (batches.size() >= 4) {
            queued_batches_ += batches.size();
            push(batches);
          }
        }
      }
    }
    queued_batches_ += batches.size();
    push(batches);
    push(subdirs);
    if (!batch.empty()) {
      Task bt;
      bt.kind = Task::Kind::stat_batch;
      bt.dir = node;
      bt.batch = std::move(batch);
      stat_batch(bt, id, pathbuf, /*queued=*/false);
    }
  }

  void stat_batch(Task& t, unsigned id, std::string& pathbuf, bool queued = true) {
    if (queued) --queued_batches_;
    const auto& dir = t.dir;
    pathbuf.assign(dir->path);
    if (pathbuf.back() != '/') pathbuf.push_back('/');
    const std::size_t base = pathbuf.size();
    const unsigned mask = opts_.need_stat ? STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME | STATX_INO |
                                                STATX_NLINK | STATX_UID | STATX_GID
                                          : STATX_TYPE | STATX_MODE;
    const int sync = opts_.cached_attrs ? AT_STATX_DONT_SYNC : AT_STATX_SYNC_AS_STAT;
    std::vector<Task> subdirs;
    for (const auto& raw : t.batch) {
      if (stop_.load(std::memory_order_relaxed)) return;
      pathbuf.resize(base);
      pathbuf.append(raw.name);
      struct statx sx {};
      const bool try_follow = opts_.follow && raw.type != FileType::dir && raw.type != FileType::file;
      int rc = ::statx(dir->fd, raw.name.c_str(),
                       sync | AT_NO_AUTOMOUNT | (try_follow ? 0 : AT_SYMLINK_NOFOLLOW), mask, &sx);
      if (rc != 0 && try_follow && errno == ENOENT)  // a dangling link is listed as a link
        rc = ::statx(dir->fd, raw.name.c_str(), sync | AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, mask, &sx);
      if (rc != 0) {
        if (errno == ENOENT)
          vanished(id, pathbuf);
        else
          error(id, pathbuf, errno, "stat");
        continue;
      }
      const StatInfo st = from_statx(sx);
      emit(dir, pathbuf, std::string_view(pathbuf).substr(base), file_type_of_mode(sx.stx_mode),
           opts_.need_stat ? &st : nullptr, id, subdirs);
    }
    push(subdirs);
  }

  FdGate gate_;  // first member: destroyed last, after every DirNode
  const WalkOptions& opts_;
  WalkVisitor& visitor_;
  const unsigned threads_;
  std::size_t batch_size_;
  std::vector<WorkerCounters> counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  TaskQueue<Task> queue_;
  unsigned active_ = 0;
  bool spread_ = false;  // take(): spread the workers over directories (many workers: network storage)
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> queued_batches_{0};
};

}  // namespace

unsigned choose_threads(const std::vector<std::string>& roots, unsigned requested) {
  if (requested > 0) return requested;
  unsigned threads = 1;
  for (const auto& r : roots) threads = std::max(threads, io_concurrency(r));
  return threads;
}

WalkStats walk(const std::vector<std::string>& roots, const WalkOptions& opts, WalkVisitor& visitor) {
  const unsigned threads = choose_threads(roots, opts.threads);
  WalkRun run(opts, visitor, threads);
  // Roots are pushed in reverse so that the LIFO stack starts with the first one.
  for (std::size_t i = roots.size(); i-- > 0;) run.add_root(roots[i], i);
  return run.run();
}

FileType file_type_of_mode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileType::file;
    case S_IFDIR:
      return FileType::dir;
    case S_IFLNK:
      return FileType::symlink;
    case S_IFBLK:
      return FileType::block;
    case S_IFCHR:
      return FileType::chr;
    case S_IFIFO:
      return FileType::fifo;
    case S_IFSOCK:
      return FileType::socket;
    default:
      return FileType::unknown;
  }
}

StatInfo stat_info_of(const struct stat& s) {
  StatInfo st;
  st.size = static_cast<uint64_t>(s.st_size);
  st.mtime_ns = clamped_ns(s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
  st.ino = s.st_ino;
  st.dev = s.st_dev;
  st.nlink = s.st_nlink;
  st.mode = s.st_mode;
  st.uid = s.st_uid;
  st.gid = s.st_gid;
  return st;
}

}  // namespace dskit
