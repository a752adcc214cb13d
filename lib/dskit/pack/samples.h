// A pack's samples for a reader that wants them at random: index.tsv loaded into shards (plain file names in
// the pack directory), members (shard, offset of the data, size) and samples (the consecutive rows of one key
// in one shard, as `dspack ls` groups them), with the shards opened once beneath the pack directory and every
// member's range checked against its shard before anything is read. What dsbench reads with --data OUTDIR.
//
// index.tsv is hostile input here: shard names must be plain file names (no '/', not "." or ".."), opened
// beneath the directory with no link followed and regular files only; offsets must be decimal numbers whose
// member ends within 2^63 bytes and within the shard; members, samples and shards are bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dskit/base/error.h"

namespace dskit::pack {

inline constexpr uint64_t kMaxPackMembers = uint64_t{1} << 32;  // rows of index.tsv read as members
inline constexpr uint64_t kMaxPackShards = uint64_t{1} << 20;   // distinct shards (each kept open)

struct PackMember {
  uint64_t offset = 0;  // of the member's data in its shard
  uint64_t size = 0;
  uint32_t shard = 0;  // index into PackSamples::shards
};

struct PackSamples {
  std::string dir;                  // the pack directory, as given
  std::vector<std::string> shards;  // plain file names in `dir`, in order of first appearance
  std::vector<PackMember> members;  // in index.tsv order
  std::vector<std::string> keys;    // each sample's key (raw bytes)
  std::vector<uint64_t> starts;     // sample i is members [starts[i], starts[i + 1]); samples() + 1 entries
  uint64_t bytes = 0;               // all members' sizes

  std::size_t samples() const { return keys.size(); }
  std::span<const PackMember> sample(std::size_t i) const {
    return {members.data() + starts[i], static_cast<std::size_t>(starts[i + 1] - starts[i])};
  }
  uint64_t sample_bytes(std::size_t i) const;
};

// Whether DIR is a pack to read: DIR/index.tsv is a regular file (not a symbolic link) whose first line is a
// dskit manifest's and whose header line has the columns shard and offset. Anything else (no index.tsv, a
// text file of that name in a directory of files) is not a pack. Opens nothing that could block.
bool is_pack(const std::string& dir);

// Loads DIR/index.tsv (the columns dspack writes, shard names plain, offsets well formed, at most
// kMaxPackMembers rows and kMaxPackShards shards). An error message naming the file (and line) on failure.
std::optional<std::string> load_samples(const std::string& dir, PackSamples& out);

// The shards of a pack held open for reading: each opened once, beneath the pack directory (its name a
// plain file name, no link followed, a regular file only), with O_DIRECT when asked. Closed on destruction.
class ShardFiles {
 public:
  ShardFiles() = default;
  ~ShardFiles();
  ShardFiles(const ShardFiles&) = delete;
  ShardFiles& operator=(const ShardFiles&) = delete;

  // Opens every shard of `s` and checks each member's offset and size against its shard's size. A failed
  // open is a PathError with the errno (op "open", or "open O_DIRECT" when the filesystem refuses O_DIRECT:
  // EINVAL); a link, a non-regular file or a member beyond its shard's end has err 0 and the cause in
  // `detail`. Nothing is read.
  std::optional<PathError> open(const PackSamples& s, bool direct);
  int fd(uint32_t shard) const { return fds_[shard]; }
  uint64_t size(uint32_t shard) const { return sizes_[shard]; }
  const std::vector<int>& fds() const { return fds_; }

 private:
  void close_all();
  std::vector<int> fds_;
  std::vector<uint64_t> sizes_;
};

}  // namespace dskit::pack
