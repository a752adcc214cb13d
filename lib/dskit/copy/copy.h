// dscp's job: copy trees (cp -r semantics) with the walk and the copy as one pipeline, resumable.
//
// The parallel walker (walk/) hands each entry to the copy as soon as its directory is read: the walker's
// workers create the directories and copy the files they find, so copying starts with the first directory
// read. A file is copied into a temporary `.NAME.dskit-XXXXXX.tmp` created O_CREAT|O_EXCL|O_NOFOLLOW inside
// its target directory (opened beneath the destination root, following no link), given its owner (as
// root), mode and times, then renamed over NAME: a partial file never has a final name. Sources are opened
// beneath their root with open_beneath. A rerun skips what is already there (same size and mtime, or with
// `checksum` the same XXH3 content), removes temporaries an interrupted run left and, with `remove_extra`,
// what the source does not have. Directory modes and times are set once their contents are in place.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/base/error.h"
#include "dskit/hash/hash.h"

namespace dskit {

// The --stage-once lock and completion marker, kept in the destination directory (never removed as extra).
inline constexpr std::string_view kStageLock = ".dscp-stage.lock";
inline constexpr std::string_view kStageDone = ".dscp-stage.done";

// What a run does (or, with dry_run, would do) to a destination path.
enum class ChangeKind : uint8_t {
  copy,    // a new file, link or directory
  update,  // a file that differs from its source replaced
  link,    // a hard link to a file copied earlier in the run (-H)
  remove,  // removed: not in the source (remove_extra)
  temp,    // a temporary left by an interrupted run, removed
  skip,    // a special file (FIFO, socket, device) not copied
};
std::string_view change_name(ChangeKind k);

struct CopyOptions {
  unsigned threads = 0;       // walk and copy workers; 0: from the source filesystem (io_concurrency)
  bool follow = false;        // -L: copy what symbolic links point to
  bool hard_links = false;    // -H: files linked to each other in the source are linked in the copy
  bool owners = false;        // keep owner and group (as root)
  bool fsync = false;         // sync each file before it is renamed, and the directories at the end
  bool checksum = false;      // an existing file is up to date only with the same content (XXH3-128)
  bool remove_extra = false;  // --delete
  bool xattrs =
      false;  // extended attributes of files and directories (user.*; as root trusted.*, security.*)
  bool dry_run = false;          // change nothing; report what would change
  unsigned rank = 0, world = 1;  // with several ranks, this rank copies the entries entry_owner gives it
  uint64_t chunk_bytes = uint64_t{64} << 20;  // a file larger than this is copied in chunks by threads
  unsigned chunk_threads = 4;
  bool copy_file_range = true;  // false: read/write only (a test seam, and for benchmarks)
};

// Which of `world` ranks copies the entry `rel` (FNV-1a of the path): every rank walks the tree and copies
// its own entries; files linked to each other (-H) go by inode instead, so that one rank makes all links.
unsigned entry_owner(std::string_view rel, unsigned world);

// One source and the path its copy gets. `named`: dst is DST/NAME as plan_roots made it, and its last
// component is never followed (a symbolic link there is replaced); the DST the user gave is followed.
struct CopyRoot {
  std::string src, dst;
  bool named = false;
};

// cp -r's rule: with DST an existing directory each SRC is copied into it (DST/NAME); otherwise there must
// be one SRC, copied to DST. An error message for a usage error.
std::optional<std::string> plan_roots(const std::vector<std::string>& srcs, const std::string& dst,
                                      bool follow, std::vector<CopyRoot>& out);

// A destination inside its own source (it would grow while the source is walked): an error message.
// plan_roots checks it; a caller that makes its roots otherwise (-T) calls it.
std::optional<std::string> check_roots(const std::vector<CopyRoot>& roots);

// Counters, updated by the workers while the copy runs (progress reads them).
struct CopyCounters {
  std::atomic<uint64_t> files{0};          // regular files copied (or to copy)
  std::atomic<uint64_t> bytes{0};          // bytes of content copied
  std::atomic<uint64_t> dirs{0};           // directories created
  std::atomic<uint64_t> links{0};          // symbolic and hard links made
  std::atomic<uint64_t> unchanged{0};      // entries already up to date
  std::atomic<uint64_t> skipped{0};        // special files not copied
  std::atomic<uint64_t> removed{0};        // entries removed (remove_extra, temporaries)
  std::atomic<uint64_t> errors{0};         // source-side failures (the entry is not copied)
  std::atomic<uint64_t> output_errors{0};  // destination-side failures
  std::atomic<bool> full{false};           // the destination is full or read-only: the copy stopped
};

// Receives what the run reports; called concurrently from the workers.
class CopySink {
 public:
  virtual ~CopySink() = default;
  // `output`: the failure is the destination's (creating, writing, renaming).
  virtual void on_error(const PathError& e, bool output) = 0;
  // A change made (or, in a dry run, to make) at the destination path `path`; `type` is find's letter.
  virtual void on_change(ChangeKind kind, std::string_view path, char type) = 0;
};

// Copies every root. Errors go to the sink and the counters; a full or read-only destination stops the
// run (counters.full). No partial file is ever left under a final name. With a `comm` of several ranks,
// every rank walks and creates the directories, copies the entries entry_owner gives it, and waits for the
// others; then rank 0 alone runs the cleanup pass and sets the directories' attributes.
void copy_roots(const std::vector<CopyRoot>& roots, const CopyOptions& opts, CopySink& sink,
                CopyCounters& counters, Comm* comm = nullptr);

// One file of a manifest copy: its path relative to both roots, its recorded size and, when the manifest
// has hashes, the expected hex.
struct ListedFile {
  std::string rel;
  uint64_t size = 0;
  std::string hash;
};

// The files of `files` rank `rank` of `world` copies: dealt largest first, each to the rank with the fewest
// bytes so far (ties to the lowest rank), so that every rank moves about the same bytes. Indices, ascending.
std::vector<std::size_t> deal_by_size(const std::vector<ListedFile>& files, unsigned rank, unsigned world);

// What copy_listed gives back for one file: its hash as copied ("" when it was not copied: reported) and
// the destination file's size, mtime and inode (taken beneath the destination root, no path lookup).
struct CopiedFile {
  std::string hash;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t ino = 0;
};

// Copies `files` from `src_root` to `dst_root` (created when missing) at their relative paths, hashing
// each while copying it (one read) when `algo` is not none: a file whose hash differs from its listed one
// is reported (detail "content differs from the manifest") and removed, never renamed to its name. On
// return `copied[i]` describes files[i] as copied (hash "" when it was not, and then it was reported: a
// file whose copy cannot be hashed or looked at is an output error). With a `comm` of several
// ranks (each given its own `files`), the cleanup pass waits for every rank and runs on rank 0.
void copy_listed(const std::string& src_root, const std::string& dst_root,
                 const std::vector<ListedFile>& files, HashAlgo algo, const CopyOptions& opts, CopySink& sink,
                 CopyCounters& counters, std::vector<CopiedFile>& copied, Comm* comm = nullptr);

// --stage-once: several processes start the same copy into DST; one copies, the others wait. The lock is
// an flock on DST/.dscp-stage.lock (DST created when missing), held until the process ends or releases it;
// the marker DST/.dscp-stage.done holds `signature` (what was copied) once a copy completed.
class StageLock {
 public:
  StageLock() = default;
  StageLock(const StageLock&) = delete;
  StageLock& operator=(const StageLock&) = delete;
  ~StageLock();
  // Creates DST when missing and waits for the lock. A PathError when DST or the lock cannot be made.
  std::optional<PathError> acquire(const std::string& dst);
  // The marker holds `signature`: the copy is complete.
  bool done(std::string_view signature) const;
  // Writes the marker (atomically, synced).
  std::optional<PathError> mark_done(std::string_view signature) const;

 private:
  std::string dst_;
  int fd_ = -1;
};

}  // namespace dskit
