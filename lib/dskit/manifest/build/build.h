// dsmanifest's build, update and verify as library calls: a stat-walk of the dataset root (the shared
// walker, the dsls filters), then parallel hashing (oneTBB, one FileHasher per thread) of the files that
// need it. Output is sorted by path, identical for any thread count.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/base/error.h"
#include "dskit/manifest/labels.h"
#include "dskit/manifest/manifest.h"
#include "dskit/walk/walk.h"

namespace dskit {

// Which files a manifest holds and how they are labelled. `build` records it in the manifest's metadata
// (keys name, exclude, regex, no_hidden, max_depth, follow, one_file_system, labels) so that `update` and
// `verify` select the same files.
struct Selection {
  std::vector<std::string> names;     // globs on the file name; any may match
  std::vector<std::string> excludes;  // globs; a match drops the entry and its subtree
  std::string regex;                  // POSIX ERE on the relative path
  bool no_hidden = false;
  int max_depth = -1;
  bool follow = false;
  bool one_file_system = false;
  LabelOptions labels;
  bool list_others = false;  // also list what is neither a regular file nor a directory (ScanResult::others)
};
void record_selection(const Selection& s, Manifest& m);
// Reads the selection back from the metadata (defaults for keys that are absent); error message on failure.
std::optional<std::string> read_selection(const Manifest& m, Selection& s);

// Live counters for a progress line.
struct BuildProgress {
  std::atomic<uint64_t> files_found{0};
  std::atomic<uint64_t> files_to_hash{0};  // set when hashing starts
  std::atomic<uint64_t> bytes_to_hash{0};
  std::atomic<uint64_t> files_hashed{0};
  std::atomic<uint64_t> bytes_hashed{0};
  std::atomic<bool> hashing{false};
};

struct FileRecord {
  std::string_view rel;  // escaped relative path, NUL-terminated, in ScanResult::names
  StatInfo st;
};

struct ScanResult {
  std::vector<FileRecord> files;                    // regular files, sorted by escaped path
  std::vector<std::unique_ptr<std::string>> names;  // the paths' storage (one buffer per walker thread)
  std::vector<PathError> errors;
  // With Selection::list_others: the escaped paths of the symlinks (not followed), FIFOs, sockets and
  // devices met, sorted; a scan otherwise leaves them out silently.
  std::vector<std::string> others;
  WalkStats walk;
  bool root_failed = false;
  std::string setup_error;  // a bad selection (the regex); nothing was walked
};
// One rank's share of a walk spread over several processes: entries at `depth` (files and directories
// alike, with their subtrees) are dealt to the ranks by a hash of their relative path; files above that
// depth belong to rank 0. Each rank walks only its share.
struct WalkShare {
  int rank = 0;
  int ranks = 1;
  int depth = 1;
  // Whether the entry at `rel` (or its subtree) is this rank's to walk.
  bool mine(std::string_view rel) const;
};

// Whether `name` is a temporary file dskit writes beside an output when O_TMPFILE is not available
// (.NAME.dskit-XXXXXX.tmp): a scan never lists one, so an interrupted write is never a dataset file.
bool is_dskit_temp(std::string_view name);

// Walks `root` and returns its regular files that pass the selection, with stat data when `need_stat`.
// `skip` lists files (paths as the user gave them) to leave out when they lie inside the root: the
// manifest being written or checked, so that `build . -o m.tsv` does not list m.tsv (nor its lock file
// .m.tsv.lock). dskit's temporary files (is_dskit_temp) are never listed.
ScanResult scan_tree(const std::string& root, const Selection& sel, unsigned threads, BuildProgress* progress,
                     bool need_stat = true, const std::vector<std::string>& skip = {},
                     const WalkShare* share = nullptr);

struct BuildOptions {
  Selection sel;
  HashAlgo hash = HashAlgo::xxh3_128;
  unsigned threads = 0;  // 0: by the root's filesystem type (io_concurrency) for walking and hashing
  std::vector<std::string> skip_files;  // left out when inside the root (the output manifest)
  // Test seam: called once the walk is done and before any file is opened for hashing (races are
  // forced here deterministically: a directory swapped for a link, a file grown).
  std::function<void()> before_hash;
};

struct BuildResult {
  Manifest manifest;
  std::vector<PathError> errors;  // unreadable files and directories (left out of the manifest)
  WalkStats walk;
  bool root_failed = false;
  uint64_t bytes_hashed = 0;
  unsigned hash_threads = 0;  // files hashed at once (this rank's); 0 when nothing was hashed
  std::string setup_error;    // a bad label option (regex, CSV file)
};
BuildResult build_manifest(const std::string& dir, const BuildOptions& opts,
                           BuildProgress* progress = nullptr);
// The same spread over the ranks of `comm` (every rank calls it): the walk is shared out by WalkShare,
// the hashing by contiguous runs of equal bytes; rank 0 gets the manifest, byte-identical to the
// one-process result, and every rank's errors (paths of other ranks' errors start "rank N: "). On the other
// ranks the manifest is empty. `root_failed` and `setup_error` are agreed on by all ranks.
BuildResult build_manifest(const std::string& dir, const BuildOptions& opts, Comm& comm,
                           BuildProgress* progress = nullptr);

struct UpdateResult {
  Manifest manifest;
  std::vector<PathError> errors;
  bool root_failed = false;
  std::string setup_error;
  uint64_t unchanged = 0;  // size, mtime and inode as recorded: kept without reading
  uint64_t rehashed = 0;   // re-read because size, mtime or inode changed
  uint64_t modified = 0;   // ... and whose content (or size) did change
  uint64_t added = 0;
  uint64_t removed = 0;
  uint64_t bytes_hashed = 0;
  bool identical = false;  // the result is the old manifest, row for row and cell for cell
};
struct UpdateOptions {
  unsigned threads = 0;
  // When nothing changed, leave `manifest` empty and set `identical` (the caller need not rewrite it).
  bool skip_if_identical = false;
  std::vector<std::string> skip_files;  // left out when inside the root (the manifest, the output)
  // Test seam: called once the walk is done and before any file is opened for hashing (races are
  // forced here deterministically: a directory swapped for a link, a file grown).
  std::function<void()> before_hash;
};
// Brings `old` up to date with its root: unchanged entries (and their labels and extra columns) are kept,
// changed ones re-hashed, new files added (labelled as `build` would), vanished ones dropped.
UpdateResult update_manifest(const Manifest& old, const UpdateOptions& opts,
                             BuildProgress* progress = nullptr);
inline UpdateResult update_manifest(const Manifest& old, unsigned threads) {
  UpdateOptions o;
  o.threads = threads;
  return update_manifest(old, o);
}
// The same, loading FILE first; the walk starts as soon as the metadata line is read and runs while the
// entries parse. A load failure is returned in `load_error` (and nothing else is done).
UpdateResult update_manifest_file(const std::string& file, const LoadOptions& lo, const UpdateOptions& opts,
                                  BuildProgress* progress, std::optional<ManifestError>& load_error);

struct VerifyOptions {
  bool full = false;  // re-hash every file (otherwise size and mtime only)
  unsigned threads = 0;
  std::vector<std::string> skip_files;  // left out when inside the root (the manifest itself)
  // Test seam: called once the walk is done and before any file is opened for hashing (races are
  // forced here deterministically: a directory swapped for a link, a file grown).
  std::function<void()> before_hash;
};

struct VerifyIssue {
  enum class Kind { missing, changed, added, unreadable } kind;
  std::string path;    // escaped, relative to the root
  std::string detail;  // "size 10 != 12", "mtime", "content", or the error
};
const char* kind_name(VerifyIssue::Kind k);  // "missing", "changed", "new", "unreadable"

struct VerifyResult {
  std::vector<VerifyIssue> issues;  // sorted by path
  uint64_t checked = 0;             // manifest entries looked at
  uint64_t missing = 0, changed = 0, added = 0, unreadable = 0;
  uint64_t bytes_hashed = 0;
  std::vector<PathError> errors;  // walk errors (unreadable directories)
  bool root_failed = false;
  std::string setup_error;
};
VerifyResult verify_manifest(const Manifest& m, const VerifyOptions& opts, BuildProgress* progress = nullptr);

}  // namespace dskit
