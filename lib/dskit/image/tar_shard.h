// WebDataset-style tar shards: POSIX ustar archives (members written by tar/writer) of at most N chips each,
// named shard-NNNNNN.tar, written through base/fileio's OutputFile (an unnamed or random temporary, named
// when complete; a failed shard is removed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dskit/base/error.h"
#include "dskit/base/fileio.h"

namespace dskit::image {

class TarShardWriter {
 public:
  TarShardWriter(std::string dir, std::size_t per_shard) : dir_(std::move(dir)), per_shard_(per_shard) {}
  ~TarShardWriter();  // an unfinished shard is removed
  TarShardWriter(const TarShardWriter&) = delete;
  TarShardWriter& operator=(const TarShardWriter&) = delete;

  // Adds a member; `shard` receives the shard's file name. Opens and closes shards as they fill.
  std::optional<PathError> add(std::string_view name, std::span<const unsigned char> data,
                               std::string& shard);
  // Completes the last shard.
  std::optional<PathError> finish();
  std::size_t shards() const { return index_; }

 private:
  std::optional<PathError> open_next();
  std::optional<PathError> flush(bool all);
  std::optional<PathError> close_current();
  void abandon();

  std::string dir_;
  std::size_t per_shard_;
  std::size_t index_ = 0;  // shards opened so far
  std::size_t in_shard_ = 0;
  OutputFile file_;
  std::string name_, buf_;
};

}  // namespace dskit::image
