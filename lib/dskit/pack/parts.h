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

std::string shard_name(std::size_t index);  // shard-000000.tar

// index.tsv's columns beyond the manifest's path, size, xxh3_128 and label.
inline constexpr std::string_view kShardCol = "shard", kOffsetCol = "offset", kKeyCol = "key",
                                  kOriginCol = "origin";
// An empty index: root = the source's root, columns path size xxh3_128 label shard offset key origin.
Manifest index_manifest(const std::string& root);
void add_index_row(Manifest& m, std::string_view name, uint64_t size, std::string_view hex,
                   std::string_view label, std::string_view shard, uint64_t offset, std::string_view key,
                   bool file);

struct ShardInfo {
  std::string name;
  uint64_t samples = 0, bytes = 0;
  std::string dali;  // the DALI index text; empty when a member name cannot be written in it
};
// index.tsv, shardindex.json and the DALI .idx files; a shard's .idx left out (with a warning) when empty.
std::optional<PathError> write_indexes(const std::string& dir, const Manifest& index,
                                       const std::vector<ShardInfo>& shards,
                                       std::vector<std::string>& warnings);

// index.tsv loaded and its columns checked; an error message on failure.
struct Index {
  Manifest m;
  int shard = -1, offset = -1, key = -1, origin = -1;
};
std::optional<std::string> load_index(const std::string& dir, Index& out);

// Whether a shard name from index.tsv is a plain file name (no '/', not "." or "..", no control bytes).
bool plain_name(std::string_view name);

}  // namespace dskit::pack
