// The one parallel directory walker every dskit tool uses.
//
// Directories are opened relative to their parent's fd and read with getdents64 into a 64 KiB buffer;
// d_type decides the entry type, so nothing is stat'ed unless the caller asks for stat data (need_stat),
// the filesystem gives no d_type, or a symlink must be followed. The stats of one directory's entries are
// cut into batches that every worker takes, so a huge directory (or a slow mount) is not stat'ed by one
// thread. Work is a LIFO stack shared by `threads` workers: depth-first, so memory stays bounded by the
// tree's depth times its fan-out, never by its size. Entries stream to the visitor from the worker that
// found them; failures are PathError records handed to the visitor; the walk goes on. When file
// descriptors run out (EMFILE: a low `ulimit -n`), a worker waits for another to close a directory and
// retries, so a tight limit slows the walk instead of losing subtrees.
#pragma once

#include <sys/stat.h>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/error.h"

namespace dskit {

enum class FileType : uint8_t { unknown, file, dir, symlink, block, chr, fifo, socket };

// One letter as find's -type uses: f d l b c p s (or '?').
char type_letter(FileType t);

// A timestamp as nanoseconds since the epoch, clamped to what int64_t holds (1677-09-21 to 2262-04-11):
// a file dated 2300 gets the last representable nanosecond instead of a wrapped, negative time.
inline int64_t clamped_ns(int64_t sec, int64_t nsec) {
  constexpr int64_t kNs = 1000000000;
  if (sec > (INT64_MAX - nsec) / kNs) return INT64_MAX;
  if (sec < INT64_MIN / kNs) return INT64_MIN;
  return sec * kNs + nsec;
}

struct StatInfo {
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // clamped_ns
  uint64_t ino = 0;
  uint64_t dev = 0;
  uint64_t nlink = 1;
  uint32_t mode = 0;
  uint32_t uid = 0;  // owner and group (dscp keeps them as root)
  uint32_t gid = 0;
};

// The entry type of a stat(2) mode (its S_IFMT bits).
FileType file_type_of_mode(unsigned mode);
// The StatInfo of a stat(2)/fstat(2) result (the mtime clamped as clamped_ns).
StatInfo stat_info_of(const struct stat& s);

struct Entry {
  std::string_view path;  // as printed: the root as given, then the relative path
  std::string_view rel;   // relative to the root ("a/b.jpg")
  std::string_view name;  // last component
  FileType type = FileType::unknown;
  int depth = 0;          // 1 for the root's children
  bool has_stat = false;  // `st` is filled
  StatInfo st;
  std::size_t root_index = 0;  // which of the roots this entry is under
};

enum class Action { proceed, skip, stop };  // skip: do not descend into this directory

struct WalkOptions {
  unsigned threads = 0;          // 0: chosen from the filesystem type of the first root
  int max_depth = -1;            // -1: unlimited; 1: the roots' children only
  bool follow = false;           // -L: follow symlinks (loops are detected and reported)
  bool one_file_system = false;  // -x: do not descend into other mounts
  bool need_stat = false;        // every entry gets size, mtime, inode, nlink
  // Use the attributes the kernel already holds (on NFS/FUSE: those the lookup just returned) instead of
  // revalidating them with a second round trip (AT_STATX_DONT_SYNC). Halves the metadata calls on network
  // storage; sizes and mtimes may then be as old as the client's attribute cache. No effect on local disks.
  bool cached_attrs = false;
  bool include_roots = false;  // visit each root itself too, at depth 0 (find -mindepth 0)
  // Called before an entry is stat'ed or visited; returning true drops the entry and its subtree
  // (exclusions, hidden files). Must be thread-safe. `type` may be unknown.
  std::function<bool(std::string_view rel, std::string_view name, FileType type)> prune;
};

// Called concurrently from the workers; `worker` is in [0, threads) and identifies the calling thread.
class WalkVisitor {
 public:
  virtual ~WalkVisitor() = default;
  virtual Action on_entry(const Entry& e, unsigned worker) = 0;
  // A failure while walking. `root` is true when a root itself could not be opened or stat'ed.
  virtual void on_error(const PathError& err, bool root, unsigned worker) = 0;
  // An entry listed by its directory that was gone when stat'ed (a live tree); not an error.
  virtual void on_vanished(std::string_view /*path*/, unsigned /*worker*/) {}
};

struct WalkStats {
  uint64_t dirs = 0;      // directories read
  uint64_t entries = 0;   // entries visited
  uint64_t errors = 0;    // PathError records
  uint64_t vanished = 0;  // entries that disappeared during the walk
  unsigned threads = 0;
  bool stopped = false;  // a visitor returned Action::stop
};

// The worker count walk() will use: `requested`, or one chosen from the roots' filesystem types.
unsigned choose_threads(const std::vector<std::string>& roots, unsigned requested);

// Walks every root (a directory, or a symlink to one; a root that is a file yields nothing) in parallel.
WalkStats walk(const std::vector<std::string>& roots, const WalkOptions& opts, WalkVisitor& visitor);

}  // namespace dskit
