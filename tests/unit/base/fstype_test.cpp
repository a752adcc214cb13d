// base/fstype: the filesystem a statfs magic number names, and the operations in flight chosen for it
// (io_concurrency: the one answer the walk, the hashing and dsbench --prepare use).
#include "dskit/base/fstype.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

using namespace dskit;

TEST_CASE("fs_from_magic names local and network filesystems") {
  CHECK(fs_from_magic(0xEF53).name == "ext4");
  CHECK_FALSE(fs_from_magic(0xEF53).latency_bound);
  CHECK(fs_from_magic(0x01021994).name == "tmpfs");
  CHECK_FALSE(fs_from_magic(0x01021994).latency_bound);
  CHECK(fs_from_magic(0x58465342).name == "xfs");
  CHECK(fs_from_magic(0x65735546).name == "fuse");
  CHECK(fs_from_magic(0x65735546).latency_bound);
  CHECK(fs_from_magic(0x6969).name == "nfs");
  CHECK(fs_from_magic(0x6969).latency_bound);
  CHECK(fs_from_magic(0x0BD00BD0).latency_bound);  // lustre
  CHECK(fs_from_magic(0x65735543).name == "fusectl");
  CHECK_FALSE(fs_from_magic(0x65735543).latency_bound);  // not a FUSE mount
  CHECK(fs_from_magic(0x12345678).name == "unknown");
  CHECK_FALSE(fs_from_magic(0x12345678).latency_bound);
}

TEST_CASE("io_concurrency: many in flight on network storage, one per core locally") {
  const FsInfo ext4 = fs_from_magic(0xEF53), tmpfs = fs_from_magic(0x01021994);
  const FsInfo fuse = fs_from_magic(0x65735546), nfs = fs_from_magic(0x6969);
  CHECK(io_concurrency(ext4, 2) == 2);
  CHECK(io_concurrency(tmpfs, 8) == 8);
  CHECK(io_concurrency(ext4, 0) == 1);  // hardware_concurrency() may say 0
  CHECK(io_concurrency(fuse, 2) == 128);
  CHECK(io_concurrency(nfs, 64) == 128);
  CHECK(io_concurrency(fs_from_magic(0x12345678), 4) == 4);
}

TEST_CASE("detect_fs on a path statfs cannot reach counts as local") {
  const FsInfo fs = detect_fs("/nonexistent/dskit/fstype/test");
  CHECK(fs.name == "unknown");
  CHECK_FALSE(fs.latency_bound);
  CHECK(io_concurrency("/nonexistent/dskit/fstype/test") >= 1);
  CHECK(io_concurrency("/nonexistent/dskit/fstype/test") < 128);
}
