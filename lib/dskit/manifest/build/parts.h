// The pieces that scan, build, update, verify and the build spread over MPI ranks (ranks.cpp) share.
// Internal to the manifest_build module: only its own sources define DSKIT_MANIFEST_BUILD_INTERNAL.
#pragma once

#ifndef DSKIT_MANIFEST_BUILD_INTERNAL
#error "dskit/manifest/build/parts.h is internal to lib/dskit/manifest/build"
#endif

#include <string>
#include <vector>

#include "dskit/manifest/build/build.h"
#include "dskit/manifest/labels.h"

namespace dskit::build_detail {

// The absolute, normalised form of a directory, without a trailing slash.
std::string absolute_dir(const std::string& d);

// Hashing threads: as requested, else at least the core count, more on latency-bound storage.
unsigned hash_threads(const std::string& root, unsigned requested);

struct HashOut {
  std::string hex;
  int err = 0;
  const char* op = nullptr;      // "open" or "read" when err is set
  const char* detail = nullptr;  // kNotRegular, kSymlinkInPath, kChangedWhileHashing, or null
};
// The cause of a file that grew or shrank while it was hashed (PathError::detail).
inline constexpr const char* kChangedWhileHashing = "changed while hashing";

// Hashes files[which[k]] into out[k], refreshing their stat data from the open descriptor. Files are
// opened beneath `root` (open_beneath; symbolic links followed only with `follow`) and read up to their
// fstat size.
void hash_files(const std::string& root, std::vector<FileRecord>& files,
                const std::vector<std::size_t>& which, HashAlgo a, unsigned threads, bool follow,
                std::vector<HashOut>& out, BuildProgress* progress);

// The error record of a file that could not be hashed: ROOT/PATH, errno, operation, detail.
PathError hash_error(const std::string& root, std::string_view rel_escaped, const HashOut& h);

// The manifest of `files` (sorted by escaped path) and their hashes (empty when not hashing), as `build`
// writes it; read failures go to r.errors.
void assemble_build(const std::string& root, const BuildOptions& opts, const Labeler& labeler,
                    const std::vector<FileRecord>& files, const std::vector<HashOut>& hashes, BuildResult& r);

// ROOT/PATH, the escaped relative path unescaped: how messages name a file.
std::string join_path(const std::string& root, std::string_view rel_escaped);

// Writes the path, size, mtime and inode cells of `row` from `f`.
void fill_row(Manifest& m, std::size_t row, const FileRecord& f);

// For each scanned file (sorted by escaped path), the manifest row with the same path, or -1.
std::vector<std::ptrdiff_t> match_rows(const std::vector<FileRecord>& files, const Manifest& m);

}  // namespace dskit::build_detail
