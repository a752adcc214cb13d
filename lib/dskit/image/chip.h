// dschip's job: chip images into training tiles with bounded memory, skipping background.
//
// For every input: open a source (source.h), pick the pyramid level for the scale, lay out the chip grid
// (grid.h), compute the tissue mask on a thumbnail (mask.h), then stream blocks of chips through a oneTBB
// pipeline with a bounded number of blocks in flight:
//   serial: next block of kept chips (blocks are aligned to the source tiles, so with a per-thread tile
//           cache holding one block every tile under a kept chip is decoded once; tiles under rejected
//           chips are never read)
//   parallel: read, pad or resize, encode, write the chip file atomically (or keep the bytes for a shard)
//   serial, in order: tar shards, manifest rows, progress
// Output does not depend on the thread count: shards are filled in block order and the manifest is sorted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dskit/base/error.h"
#include "dskit/image/chip_file.h"
#include "dskit/image/grid.h"
#include "dskit/image/mask.h"
#include "dskit/image/source.h"

namespace dskit::image {

struct ChipOptions {
  Size2 size{224, 224};
  Size2 stride{0, 0};  // 0: the chip size (no overlap)
  int level = -1;      // pyramid level to chip at (-1: level 0 unless mpp is set)
  double mpp = 0;      // microns per output pixel (0: not set)
  EdgeMode edge = EdgeMode::drop;
  std::array<unsigned char, 3> pad_bgr{255, 255, 255};
  Rect64 roi;                                       // level 0; w == 0: whole image
  std::vector<std::pair<int64_t, int64_t>> coords;  // level-0 chip corners (used when use_coords)
  bool use_coords = false;
  ChipFormat format = ChipFormat::jpg;
  int quality = -1;
  std::string out_dir;
  std::size_t shard_size = 0;  // > 0: tar shards of this many chips
  bool resume = false;
  ReaderKind reader = ReaderKind::automatic;
  bool use_mask = true;
  MaskOptions mask;
  double min_tissue = 0.5;
  std::string mask_file;  // user mask (PNG, non-zero = tissue) instead of the computed one
  std::string overlay;    // thumbnail with kept chips outlined ("" : none)
  std::string label;      // label column value for every chip ("": no label column)
  std::map<std::string, std::string> label_map;  // image stem -> label (overrides `label`)
  std::string manifest;                          // chip manifest path ("": OUT/chips.tsv)
  unsigned threads = 2;
};

struct ImageReport {
  std::string path;
  std::string error;  // empty: success
  std::size_t level = 0;
  double downsample = 1;
  uint64_t chips = 0;     // written (or found verified with --resume)
  uint64_t resumed = 0;   // of which already present
  uint64_t rejected = 0;  // below --min-tissue
  uint64_t tiles_decoded = 0;
  uint64_t bytes = 0;
};

struct ChipProgress {
  std::atomic<uint64_t> total{0};  // kept chips of the images opened so far
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> images_done{0};
};

struct ChipResult {
  std::vector<ImageReport> images;        // in input order
  std::optional<PathError> output_error;  // writing failed: the run stopped
  std::optional<std::string> manifest_error;
  uint64_t chips = 0, bytes = 0, shards = 0;
};

// Expands files, directories (image files below them, sorted) and dskit manifests (their entries) into
// image paths. Unreadable arguments go to `errors`.
std::vector<std::string> expand_inputs(const std::vector<std::string>& args, std::vector<PathError>& errors);

ChipResult run_chips(const std::vector<std::string>& inputs, const ChipOptions& opts, ChipProgress* progress);

}  // namespace dskit::image
