// The pieces of a manifest build that the one-process build (manifest_build.cpp) and the build spread over
// MPI ranks (manifest_build_ranks.cpp) share. Internal to dskit_core.
#pragma once

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
  const char* op = nullptr;  // "open" or "read" when err is set
};

// Hashes files[which[k]] into out[k], refreshing their stat data from the open descriptor.
void hash_files(const std::string& root, std::vector<FileRecord>& files,
                const std::vector<std::size_t>& which, HashAlgo a, unsigned threads,
                std::vector<HashOut>& out, BuildProgress* progress);

// The manifest of `files` (sorted by escaped path) and their hashes (empty when not hashing), as `build`
// writes it; read failures go to r.errors.
void assemble_build(const std::string& root, const BuildOptions& opts, const Labeler& labeler,
                    const std::vector<FileRecord>& files, const std::vector<HashOut>& hashes, BuildResult& r);

}  // namespace dskit::build_detail
