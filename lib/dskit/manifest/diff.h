// Differences between two manifests of (possibly) the same dataset: added, removed, modified, renamed
// (same content hash at a new path) and relabelled entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dskit/manifest/manifest.h"

namespace dskit {

struct DiffEntry {
  enum class Kind { added, removed, modified, renamed, relabeled } kind;
  std::string path;      // escaped; for renamed: the new path
  std::string old_path;  // renamed: the path in A
  std::string detail;    // modified: "content" or "size"; relabeled: "old -> new" labels (escaped)
};
const char* kind_name(DiffEntry::Kind k);

struct DiffResult {
  std::vector<DiffEntry> entries;  // sorted by path
  uint64_t added = 0, removed = 0, modified = 0, renamed = 0, relabeled = 0;
  bool by_hash = false;  // contents were compared by hash (both manifests use the same algorithm)
  bool identical() const { return entries.empty(); }
};

// Compares by content hash when both manifests have the same hash algorithm, otherwise by size and mtime.
// Renames are paired one to one in path order among removed and added entries with equal hashes.
DiffResult diff_manifests(const Manifest& a, const Manifest& b);

}  // namespace dskit
