// What kind of storage a path lives on, to choose how many operations to keep in flight.
#pragma once

#include <string>

namespace dskit {

struct FsInfo {
  std::string name;            // "nfs", "fuse", "lustre", "ext4", ... or "unknown"
  bool latency_bound = false;  // each metadata call is a network round trip
};

// statfs(2) on `path`; unknown filesystems count as local.
FsInfo detect_fs(const std::string& path);

// Threads for a walk: many in flight on network/FUSE storage, one per core locally.
unsigned default_walk_threads(const FsInfo& fs);

}  // namespace dskit
