// The file set dsbench randread reads like a training loader: from a manifest, a file list (one path a line),
// a directory walked with the lib walker (sorted by path, so the order depends only on the seed), or the
// samples of a dspack pack (a directory holding its index.tsv); or a synthetic set made by prepare_dataset
// with sizes fixed, uniform, or drawn from a manifest's sizes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/pack/samples.h"

namespace dskit::bench {

struct DatasetFile {
  std::string path;     // the file; in a pack, the sample's key
  uint64_t size = 0;    // the file's bytes, or the sample's members' together
  uint64_t sample = 0;  // in a pack: the sample's index in pack::PackSamples
};

// A manifest (first line "#dskit-manifest"), a directory, or else a file list. Paths of a list are stat'ed.
// A directory that is a dspack pack (pack::is_pack) gives its samples in index.tsv order instead, held in
// `pack` (null for files); a malformed index is a usage error naming it.
std::optional<BenchError> load_dataset(const std::string& path, std::vector<DatasetFile>& out,
                                       std::shared_ptr<const pack::PackSamples>& pack);

struct SizeDist {
  enum class Kind : uint8_t { fixed, uniform, sample } kind = Kind::fixed;
  uint64_t a = 0, b = 0;        // fixed: a; uniform: [a, b]
  std::vector<uint64_t> sizes;  // sample: drawn from these
  uint64_t draw(Rng& rng) const;
};
// "4k" / "fixed:4k", "uniform:1k-1M", "manifest:PATH" (that manifest's sizes); nullopt + message otherwise.
std::optional<SizeDist> parse_size_dist(std::string_view text, std::string& error);

struct PrepareOptions {
  std::string dir;  // created when missing
  uint64_t files = 0;
  SizeDist sizes;
  uint64_t seed = 0;
  unsigned threads = 1;  // writers: this many, or io_concurrency(dir) when more
  const std::atomic<bool>* interrupt = nullptr;
};
// Files DIR/dsbench-NNNNNNNN.bin of seeded random bytes; each is synced and evicted from the page cache so
// the reads that follow come from storage. `created` lists what was made (for cleanup), also on failure;
// `made_dir` tells whether DIR itself was created.
std::optional<BenchError> prepare_dataset(const PrepareOptions& o, std::vector<DatasetFile>& created,
                                          bool& made_dir);

// Removes the files (and the directory when `dir` is non-empty); returns one message per failure.
std::vector<std::string> remove_dataset(const std::vector<DatasetFile>& files, const std::string& dir);

}  // namespace dskit::bench
