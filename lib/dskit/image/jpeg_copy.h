// dschip --jpeg-copy: a chip cut from a JPEG-tiled image's compressed data, without decoding or re-encoding.
//
// The chip's entropy-coded data is copied out of the source tiles it spans, MCU run by MCU run
// (jpeg_scan.h), with the source's quantisation and Huffman tables; where that cannot be (restart markers,
// tables that differ between the tiles), its DCT coefficients are copied block by block (libjpeg's
// coefficient API: jpeg_read_coefficients on each tile, jpeg_write_coefficients for the chip) and written
// with the source's quantisation tables and the standard Huffman tables. The decoded
// chip then equals the decoded source region, up to chroma upsampling at the chip's edge (a 4:2:0 source).
//
// Conditions (anything else is refused with a reason, never an abort): the tiles are baseline or extended
// sequential Huffman JPEG (not progressive, arithmetic or lossless) of 8-bit samples, all with the same
// component count, sampling factors and quantisation tables; the chip's origin and size are multiples of
// the iMCU size (8 px for grayscale and 4:4:4, 16 px for 4:2:0; JpegGrid::imcu reports it); the chip lies
// inside the image. Tiles may be abbreviated streams whose tables come from a shared tables stream (TIFF's
// JPEGTables tag, as in Aperio SVS), and may contain restart markers. Warnings from libjpeg (corrupt
// data) count as errors.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace dskit::image {

// How the tiles' components are to be read: what the TIFF's photometric says (libtiff decodes by the tag,
// not by markers in the stream); `from_stream` lets libjpeg guess from the markers (for complete JPEGs).
enum class JpegColor { from_stream, gray, rgb, ycbcr };

// The tiled image a chip is cut from (one pyramid level).
struct JpegGrid {
  int64_t width = 0, height = 0;  // the level, in pixels
  int64_t tile_width = 0, tile_height = 0;
  std::vector<unsigned char> tables;  // JPEGTables (a tables-only stream); empty when tiles are complete
  JpegColor color = JpegColor::from_stream;
};

// Fetches the compressed stream of the tile at (column, row) into `out`; an error message, or nullopt.
using JpegTileFetch =
    std::function<std::optional<std::string>(int64_t col, int64_t row, std::vector<unsigned char>& out)>;

// The iMCU size (8 or 16) of the grid's tiles, read from the tile at (0, 0); 0 with `err` set when the
// tiles cannot be copied (not JPEG, progressive, ...).
int jpeg_imcu(const JpegGrid& grid, const JpegTileFetch& fetch, std::string& err);

struct JpegCoefTile;

// Tiles' coefficients kept between chips, up to `max_bytes` (about 6 bytes a pixel for 4:4:4, 3 for 4:2:0),
// least recently used first out: neighbouring chips share source tiles, which are then read once. One per
// thread and grid; clear() when the grid changes.
class JpegTileCache {
 public:
  explicit JpegTileCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  void clear();
  std::shared_ptr<const JpegCoefTile> find(int64_t col, int64_t row);
  void put(int64_t col, int64_t row, std::shared_ptr<const JpegCoefTile> tile);

 private:
  struct Entry {
    uint64_t key;
    std::size_t bytes;
    std::shared_ptr<const JpegCoefTile> tile;
  };
  static uint64_t key(int64_t col, int64_t row) { return (uint64_t(row) << 32) ^ uint64_t(col); }
  std::size_t max_bytes_, used_ = 0;
  std::list<Entry> lru_;
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

// Writes the w x h chip at (x, y) of the level into `out` as a complete JPEG, reading tiles through `cache`
// when given. Returns the reason on refusal or error (out is then unspecified), nullopt on success.
// When the tiles' scans can be indexed (jpeg_scan.h: no restart markers, one scan, the same Huffman tables)
// the chip's entropy-coded bits are the tiles' own, only a DC difference per run of MCUs re-coded; else the
// chip is written from the tiles' coefficients with the standard Huffman tables. Either way it holds the
// same coefficients and quantisation. `spliced`, when given, says which (true: the bits were copied).
std::optional<std::string> jpeg_copy(const JpegGrid& grid, const JpegTileFetch& fetch, int64_t x, int64_t y,
                                     int64_t w, int64_t h, std::vector<unsigned char>& out,
                                     JpegTileCache* cache = nullptr, bool* spliced = nullptr);

}  // namespace dskit::image
