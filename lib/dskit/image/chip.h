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
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dskit/base/error.h"
#include "dskit/image/chip_file.h"
#include "dskit/image/grid.h"
#include "dskit/image/mask.h"
#include "dskit/image/source.h"
#include "dskit/manifest/manifest.h"

namespace dskit::image {

// The most pixels dschip decodes at once for one image: an image without tiles (PNG, JPEG, ...) whole, a
// --mask image, one TIFF tile or strip, the band of a striped image a worker holds. 2^28 pixels, 768 MiB
// at 3 bytes a pixel; a larger image is refused before anything is decoded.
inline constexpr uint64_t kDefaultMaxPixels = uint64_t{1} << 28;

struct ChipOptions {
  Size2 size{224, 224};
  Size2 stride{0, 0};          // 0: the chip size (no overlap)
  int level = -1;              // pyramid level to chip at (-1: level 0 unless mpp is set)
  double mpp = 0;              // microns per output pixel (0: not set)
  double source_mpp = 0;       // microns per level-0 pixel, overriding the file's (0: the file's)
  bool allow_upscale = false;  // --mpp finer than the image
  uint64_t max_pixels = kDefaultMaxPixels;  // decoding budget (see kDefaultMaxPixels)
  EdgeMode edge = EdgeMode::drop;
  std::array<unsigned char, 3> pad_bgr{255, 255, 255};
  Rect64 roi;                                       // level 0; w == 0: whole image
  std::vector<std::pair<int64_t, int64_t>> coords;  // level-0 chip corners (used when use_coords)
  bool use_coords = false;
  ChipFormat format = ChipFormat::jpg;
  bool jpeg_copy = false;  // --jpeg-copy: JPEG chips cut from JPEG tiles where the grid allows (jpeg_copy.h)
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
  // Set (by a signal handler) to stop early: no new chip is started, the chips made so far are kept (the
  // last shard is completed) and listed in the manifest, and ChipResult::interrupted is set.
  const std::atomic<bool>* stop = nullptr;
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
  uint64_t copied = 0;        // --jpeg-copy: chips cut from the JPEG data
  std::string copy_fallback;  // --jpeg-copy: why some or all chips were decoded and encoded ("": none)
  int rank = -1;              // a cohort over ranks (cohort.h): the rank that chipped it (-1: one process)
  std::size_t pieces = 1;     // a cohort: the runs of block rows it was split into between ranks
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
  bool interrupted = false;  // ChipOptions::stop was set before every chip was made
};

// A chip listed by a previous run's manifest, which --resume checks a chip file against before keeping it.
struct KeptChip {
  uint64_t size = 0;
  std::string hash;   // xxh3-128 hex
  std::string shard;  // the shard column (shard layout): the tar file holding the chip; "" for chip files
};
// Parses a chip manifest (chips.tsv; `name` for messages) into chip path (or shard member name) -> size,
// hash and shard. Rows without a hash are left out. Error message, or nullopt.
std::optional<std::string> parse_chip_index(std::string text, const std::string& name,
                                            std::map<std::string, KeptChip>& out);
// The same from a file; a missing file is an empty index, not an error.
std::optional<std::string> read_chip_index(const std::string& path, std::map<std::string, KeptChip>& out);
// Whether the bytes of a chip file can be kept by --resume: with `listed`, exactly its size and hash; without
// (the previous run ended before writing its manifest), a complete file (JPEG: ends with its EOI marker) that
// decodes to w x h. `hash` receives the bytes' xxh3-128 hex.
bool check_kept_chip(std::span<const unsigned char> bytes, const KeptChip* listed, int w, int h,
                     std::string& hash);

// Expands files, directories (image files below them, sorted) and dskit manifests (their entries) into
// image paths. Arguments that cannot be read go to `errors`; a directory, entry or symbolic link below an
// argument that cannot be read (permission denied, a symlink loop) goes to `below`, naming itself, and the
// rest of the walk goes on. Symbolic links to directories are not followed.
std::vector<std::string> expand_inputs(const std::vector<std::string>& args, std::vector<PathError>& errors,
                                       std::vector<PathError>& below);

ChipResult run_chips(const std::vector<std::string>& inputs, const ChipOptions& opts, ChipProgress* progress);

// The chip manifest's columns for these options (empty), and its path (--manifest, or OUT/chips.tsv).
Manifest make_chip_manifest(const ChipOptions& opts);
std::string chip_manifest_path(const ChipOptions& opts);

// One piece of a cohort spread over ranks (cohort.h): the chips of input `input` in band `band` of `bands`
// runs of its plan's block rows (as even as the rows allow), written as a one-process run writes them, except
// that the piece's manifest rows go to DIR/chips.tsv and, with --shard-size, its chips to one tar,
// DIR/shard-000000.tar, in the order one process would add them to its shards. Only band 0 counts the
// rejected chips and draws the overlay.
struct ChipPiece {
  std::size_t input = 0;
  std::size_t band = 0, bands = 1;
  std::string dir;
};

// The previous run's chips that --resume may keep (its chips.tsv and the shards it lists), read once per rank
// and shared by the pieces it chips.
struct ResumeIndex;
std::shared_ptr<const ResumeIndex> read_resume_index(const ChipOptions& opts);

// Chips one piece. `resume` (from read_resume_index) is used with opts.resume. The result's one image report
// is images[piece.input]; the others are empty.
ChipResult run_piece(const std::vector<std::string>& inputs, const ChipOptions& opts, const ChipPiece& piece,
                     const std::shared_ptr<const ResumeIndex>& resume, ChipProgress* progress);

// What a cohort deals out by: the pixels of the level an input is chipped at and its plan's block rows
// (0 and 0 when it cannot be opened or planned: it is dealt last, and its piece records the error).
struct InputSize {
  uint64_t pixels = 0;
  std::size_t block_rows = 0;
};
InputSize measure_input(const std::string& path, const ChipOptions& opts);

}  // namespace dskit::image
