// dspack's jobs as library calls. build packs a directory tree (labels as dsmanifest derives them) or a dskit
// manifest into WebDataset tar shards (OUTDIR/shard-NNNNNN.tar) with their indexes, written at pack time:
// OUTDIR/index.tsv (a dskit manifest, one row per member: path, size, xxh3_128, label, and shard, offset,
// key, origin), OUTDIR/shardindex.json (wids) and a DALI index (wds2idx's v1.2 text) next to each shard;
// or, with `mds`, MosaicML Streaming's MDS shards and index.json (parts.h's MdsWriter) and index.tsv.
// verify checks the shards' tar structure and every member's hash against index.tsv; list gives the samples;
// unpack writes the packed files back beneath a directory.
//
// Samples follow WebDataset: a member's key is its path up to the first '.' of its file name, its extension
// the rest; files sharing a key are one sample, their members in byte order of name; a sample never
// straddles two shards. A file whose name has no key or no extension (".hidden", "README") is skipped with a
// warning (WebDataset readers drop it). The output is a function of the input files, the options and the
// seed only: member metadata is fixed (mode 0644, uid/gid 0, mtime from the source or the option), reads
// complete in any order but shards are written in sample order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/base/error.h"
#include "dskit/manifest/labels.h"

namespace dskit::pack {

inline constexpr const char* kIndexName = "index.tsv";
inline constexpr const char* kShardIndexName = "shardindex.json";

// A member name split as WebDataset splits it: the key is the path up to the first '.' of the file name,
// the extension what follows. Nullopt when the file name starts with '.' or has none, or ends with it.
struct KeyExt {
  std::string_view key, ext;
};
std::optional<KeyExt> split_key(std::string_view name);

// Whether a member path may be written beneath a directory: relative, no empty, "." or ".." component, no
// NUL byte.
bool safe_member_path(std::string_view p);

struct BuildOptions {
  std::string src;      // a directory, or a dskit manifest file
  std::string out_dir;  // created when absent; must be empty
  LabelOptions labels;  // for a directory: how paths give labels (ImageFolder by default)
  bool cls = true;      // a .cls member (the class index) per labelled sample
  uint64_t shard_size = uint64_t{256} << 20;  // bytes of tar per shard at most (unless one sample is larger)
  uint64_t samples_per_shard = 0;             // 0: by size only
  std::optional<uint64_t> seed;               // shuffle the samples (dskit's global shuffle, epoch 0)
  std::optional<int64_t> mtime;               // every member's mtime, else the source file's
  unsigned threads = 0;                       // source reads in flight; 0: io_concurrency of the source
  bool mds = false;  // MosaicML Streaming's MDS (shard.NNNNN.mds, index.json) instead of tar shards
  // A manifest column (a split manifest's "split"): one shard series per value, SPLIT-000000.tar, ...,
  // with its own SPLIT.shardindex.json, the value in index.tsv's column of that name. Tar shards only.
  std::string by;
  // The ranks of an MPI run (null: one process): each writes a contiguous range of the planned shards,
  // rank 0 lists the source for all and writes the indexes; the pack is byte-identical to one process's.
  Comm* comm = nullptr;
};

struct BuildResult {
  std::string setup_error;                // a bad source or output directory: nothing was packed
  std::vector<PathError> errors;          // unreadable or changed source files (their samples left out)
  std::vector<std::string> warnings;      // skipped names, indexes not written
  std::optional<PathError> output_error;  // a failed write: the shard being written was removed
  uint64_t files = 0, samples = 0, members = 0, shards = 0, bytes = 0;
  uint64_t skipped = 0;  // entries not packed, each with a warning: no key, or not a regular file
  unsigned threads = 0;
};
BuildResult build(const BuildOptions& o);

// One problem verify found: the shard, the member (escaped; empty for the archive as a whole), what.
struct Issue {
  std::string shard, member, what;
};
struct VerifyResult {
  std::string setup_error;  // index.tsv unreadable or malformed
  std::vector<Issue> issues;
  uint64_t shards = 0, members = 0, bytes = 0;
};
VerifyResult verify(const std::string& out_dir, unsigned threads);

struct Sample {
  std::string key, shard, label;  // raw bytes
  std::vector<std::string> members;
};
// The samples of a pack in shard order, from its index.tsv; an error message on failure.
std::optional<std::string> list(const std::string& out_dir, std::vector<Sample>& out);

struct UnpackResult {
  std::string setup_error;
  std::vector<PathError> errors;  // members refused (hostile names, existing files) or unreadable
  uint64_t files = 0, bytes = 0;
};
// Writes every source file of the pack (and with `all` the .cls members) beneath `dest` at its path,
// created with O_EXCL and no link followed; a path that is absolute, has a "..", "." or empty component
// or a NUL byte is refused.
UnpackResult unpack(const std::string& out_dir, const std::string& dest, bool all);

}  // namespace dskit::pack
