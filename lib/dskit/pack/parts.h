// What build, verify, list and unpack share inside the pack module: WebDataset keys, shard names, the
// index.tsv columns and the writing of the indexes. Internal to lib/dskit/pack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/error.h"
#include "dskit/manifest/manifest.h"

namespace dskit::pack {

// The shard INDEX of a series: shard-000000.tar, or with --by SERIES-000000.tar (e.g. train-000000.tar).
std::string shard_name(std::size_t index, std::string_view series = {});
// Whether a --by value may name a shard series: letters, digits, '_', '-', '.', not starting with '.'.
bool series_name_ok(std::string_view v);

// index.tsv's columns beyond the manifest's path, size, xxh3_128 and label.
inline constexpr std::string_view kShardCol = "shard", kOffsetCol = "offset", kKeyCol = "key",
                                  kOriginCol = "origin";
// An empty index: root = the source's root, columns path size xxh3_128 label shard offset key origin, then
// BY (the split column of --by) when not empty.
Manifest index_manifest(const std::string& root, std::string_view by = {});
void add_index_row(Manifest& m, std::string_view name, uint64_t size, std::string_view hex,
                   std::string_view label, std::string_view shard, uint64_t offset, std::string_view key,
                   bool file, std::string_view split = {});

struct ShardInfo {
  std::string name;
  uint64_t samples = 0, bytes = 0;
  std::string dali;    // the DALI index text; empty when a member name cannot be written in it
  std::string series;  // the --by value (empty: none); its shards get their own SERIES.shardindex.json
};
// index.tsv, shardindex.json (with --by one SERIES.shardindex.json per series) and the DALI .idx files,
// inside the output directory DIRFD (DIR its path for messages); a shard's .idx left out (with a warning)
// when empty.
std::optional<PathError> write_indexes(int dirfd, const std::string& dir, const Manifest& index,
                                       const std::vector<ShardInfo>& shards,
                                       std::vector<std::string>& warnings);

// index.tsv alone (written last: a pack without it is unfinished), inside the output directory DIRFD.
std::optional<PathError> write_index_tsv(int dirfd, const std::string& dir, const Manifest& index);

// index.tsv loaded and its columns checked; an error message on failure.
struct Index {
  Manifest m;
  int shard = -1, offset = -1, key = -1, origin = -1;
};
std::optional<std::string> load_index(const std::string& dir, Index& out);

// Whether a shard name from index.tsv is a plain file name (no '/', not "." or "..", no control bytes).
bool plain_name(std::string_view name);

}  // namespace dskit::pack

namespace dskit::pack {

// One member of a sample as the writers take it.
struct OutMember {
  std::string_view name, data, hex;
  int64_t mtime = 0;
  bool file = true;  // a source file (else the .cls member dspack made)
  // A member too large to hold (MdsWriter): `data` and `hex` empty, its bytes streamed from this open
  // source file, `size` of them (the listed size: a file that changed size fails), `path` for messages.
  int fd = -1;
  uint64_t size = 0;
  std::string_view path;
};

// MosaicML Streaming's MDS (format version 2): shard.NNNNN.mds files, each "uint32 samples, uint32 offsets
// (samples + 1, from the file's start), the shard's config as JSON (sorted keys), the samples", a sample
// being the uint32 sizes of its columns then their bytes; every column has the encoding "bytes", named by the
// member's extension, in sorted order. index.json lists the shards. A shard is built in memory (at most the
// shard size) and written whole through base/fileio; once a sample has a member too large to hold (fd set),
// the shard's samples go to an unnamed spill file beneath the output directory instead, the member
// streamed into it in 1 MiB chunks, and the shard is its header then the spill's bytes.
class MdsWriter {
 public:
  // DIRFD: the output directory (kept open by the caller), DIR its path for messages.
  MdsWriter(int dirfd, std::string dir, std::vector<std::string> columns, uint64_t size_limit,
            uint64_t samples_per_shard);
  // Adds a sample whose members are in column order (one per column). A streamed member whose source
  // fails (unreadable, changed size) is `in_err`: the sample is left out. Returns a write error.
  std::optional<PathError> add(const std::vector<OutMember>& members, std::string_view key,
                               std::string_view label, Manifest& index, std::optional<PathError>& in_err);
  ~MdsWriter();
  std::optional<PathError> finish(Manifest& index);
  std::size_t shards() const { return shards_.size(); }
  std::string index_json() const;

 private:
  struct Row {
    std::string name, hex;
    uint64_t size = 0, offset = 0;  // offset within the samples' bytes
    bool file = true;
  };
  struct Pending {
    std::string key, label;
    std::vector<Row> rows;
  };
  struct Done {
    std::string name;
    uint64_t samples = 0, bytes = 0;
  };
  std::string config_json() const;
  std::optional<PathError> flush(Manifest& index);
  std::optional<PathError> spill_body();  // body_ appended to the spill file (made when absent)
  PathError spill_error(int err) const { return PathError{dir_ + "/(spill file)", err, "write"}; }

  int dirfd_;
  std::string dir_;
  std::vector<std::string> columns_;
  uint64_t size_limit_, samples_per_shard_;
  std::string config_, body_;
  int spill_ = -1;              // the spill file, or -1: the whole body is body_
  uint64_t spilled_ = 0;        // bytes of the body in the spill file (body_ follows them)
  std::vector<uint64_t> ends_;  // each sample's end within the body
  std::vector<Pending> pending_;
  std::vector<Done> shards_;
};

}  // namespace dskit::pack
