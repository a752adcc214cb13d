#include "dskit/base/fstype.h"

#include <sys/vfs.h>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace dskit {
namespace {

struct Known {
  uint32_t magic;
  const char* name;
  bool latency_bound;
};

constexpr Known kKnown[] = {
    {0x6969, "nfs", true},          {0xFF534D42, "cifs", true},     {0xFE534D42, "smb2", true},
    {0x517B, "smb", true},          {0x0BD00BD0, "lustre", true},   {0x47504653, "gpfs", true},
    {0x65735546, "fuse", true},     {0x00C36400, "ceph", true},     {0x19830326, "beegfs", true},
    {0x01021997, "9p", true},       {0x5346414F, "afs", true},      {0x6B414653, "kafs", true},
    {0x20030528, "orangefs", true}, {0x013111A8, "ibrix", true},    {0x65735543, "fusectl", false},
    {0xEF53, "ext4", false},        {0x58465342, "xfs", false},     {0x9123683E, "btrfs", false},
    {0x01021994, "tmpfs", false},   {0x794C7630, "overlay", false}, {0x2FC12FC1, "zfs", false},
    {0xF2F52010, "f2fs", false},
};

}  // namespace

FsInfo fs_from_magic(uint32_t magic) {
  for (const auto& k : kKnown)
    if (k.magic == magic) return {k.name, k.latency_bound};
  return {"unknown", false};
}

FsInfo detect_fs(const std::string& path) {
  struct statfs sf {};
  if (statfs(path.c_str(), &sf) != 0) return {"unknown", false};
  return fs_from_magic(static_cast<uint32_t>(sf.f_type));
}

unsigned io_concurrency(const FsInfo& fs, unsigned cores) {
  // 128 in flight hides a 1 ms round trip: on the latency mount, dsmanifest build with 128 is within a few
  // percent of 256 (docs/benchmarks.md, issue 13); the walk settled on the same figure.
  if (fs.latency_bound) return 128;
  return std::max(1u, cores);
}

unsigned io_concurrency(const std::string& path) {
  return io_concurrency(detect_fs(path), std::thread::hardware_concurrency());
}

}  // namespace dskit
