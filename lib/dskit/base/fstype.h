// What kind of storage a path lives on, to choose how many operations to keep in flight.
#pragma once

#include <cstdint>
#include <string>

namespace dskit {

struct FsInfo {
  std::string name;            // "nfs", "fuse", "lustre", "ext4", ... or "unknown"
  bool latency_bound = false;  // each metadata call is a network round trip
};

// The filesystem a statfs(2) f_type magic number names; unknown numbers count as local.
FsInfo fs_from_magic(uint32_t magic);

// statfs(2) on `path`; unknown filesystems (and a path statfs cannot reach) count as local.
FsInfo detect_fs(const std::string& path);

// Operations worth keeping in flight on `fs` with `cores` cores: many (128) on network/FUSE storage, where
// each call waits for a round trip, one per core on local storage, where the work is CPU-bound. The one
// answer every I/O-bound step uses (walks, hashing, dataset creation) when the user gives no -j.
unsigned io_concurrency(const FsInfo& fs, unsigned cores);
// The same for the storage `path` lives on and this machine's cores.
unsigned io_concurrency(const std::string& path);

}  // namespace dskit
