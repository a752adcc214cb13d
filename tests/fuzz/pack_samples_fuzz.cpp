// libFuzzer target: a dspack pack's index.tsv as dsbench --data OUTDIR reads it (pack/samples). The input
// is the index; the pack directory also holds one 8 KiB shard, shard-000000.tar, and a symbolic link to it,
// link.tar. Properties of an accepted index: every sample's members are a non-empty run in index order,
// every member names a listed shard, every shard name is a plain file name; and once the shards are opened,
// every member lies inside its shard (an index naming the link, a missing shard or a range past the end is
// refused at open, never read).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dskit/pack/samples.h"
#include "fuzz_support.h"

namespace {

using dskit::fuzz::check;

struct Pack {
  dskit::fuzz::ScratchDir dir;
  Pack() {
    dir.write("shard-000000.tar", std::string(8192, 'x'));
    check(::symlink("shard-000000.tar", (dir.path() + "/link.tar").c_str()) == 0, "symlink");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Pack pack;
  pack.dir.write("index.tsv", std::string_view(reinterpret_cast<const char*>(data), size));
  if (!dskit::pack::is_pack(pack.dir.path())) return 0;
  dskit::pack::PackSamples s;
  if (dskit::pack::load_samples(pack.dir.path(), s)) return 0;
  check(s.starts.size() == s.samples() + 1 && s.starts.front() == 0 && s.starts.back() == s.members.size(),
        "sample starts cover the members");
  uint64_t bytes = 0;
  for (std::size_t i = 0; i < s.samples(); ++i) {
    check(s.starts[i] < s.starts[i + 1], "a sample has members");
    bytes += s.sample_bytes(i);
  }
  check(bytes == s.bytes, "the samples' bytes add up");
  for (const auto& name : s.shards)
    check(!name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
              name.find('\0') == std::string::npos,
          "shard names are plain file names");
  for (const auto& m : s.members) check(m.shard < s.shards.size(), "members name listed shards");
  dskit::pack::ShardFiles files;
  if (files.open(s, false)) return 0;
  for (const auto& name : s.shards) check(name == "shard-000000.tar", "only the real shard opens");
  for (const auto& m : s.members)
    check(m.offset <= files.size(m.shard) && m.size <= files.size(m.shard) - m.offset,
          "members lie inside their shard");
  return 0;
}
