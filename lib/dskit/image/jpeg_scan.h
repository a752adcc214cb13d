// dschip --jpeg-copy without entropy coding: a JPEG tile's scan indexed by MCU once, then a chip's bits
// copied out of the tiles it spans, only the first DC difference of each run re-coded.
//
// The entropy-coded data of a baseline or extended sequential Huffman scan is a run of MCUs, each a run of
// blocks whose DC coefficient is coded as the difference from the previous block of its component. A chip
// on the MCU grid takes, for each of its MCU rows, a run of consecutive MCUs from each tile it spans: inside
// a run every bit is the source's, only the first block of each component in the run gets a new DC
// difference (its predecessor in the chip is another one). index_scan() decodes a tile's scan once (code
// lengths only: the AC values are skipped, not decoded), recording each MCU's bit offset and the DC values a
// run needs; JpegSplice writes a chip from such runs with the source's own Huffman tables.
//
// What it takes (anything else is left to the coefficient path of jpeg_copy.h): one scan holding every
// component (interleaved; or one component sampled 1x1), no restart interval, Huffman tables in the stream or
// its tables stream, the data ending at EOI right after the last MCU. Every read of the data is bounded; a
// stream that does not decode is refused with a reason, never read past its end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dskit::image {

inline constexpr int kScanMaxComponents = 4;

// A Huffman table as a DHT segment holds it: codes per length (bits[1..16]) and the symbols in code order.
struct HuffmanSpec {
  std::array<uint8_t, 17> bits{};
  std::array<uint8_t, 256> values{};
  bool operator==(const HuffmanSpec&) const = default;
  int count() const;
};

// How the scan is laid out: components in scan (= frame) order, blocks of each per MCU, MCUs per row and
// rows, and each component's tables.
struct ScanLayout {
  int components = 0;
  int blocks[kScanMaxComponents] = {};  // h x v: blocks of the component in one MCU
  int64_t mcus_x = 0, mcus_y = 0;
  HuffmanSpec dc[kScanMaxComponents], ac[kScanMaxComponents];
};

// One tile's scan, indexed by MCU.
struct JpegScan {
  ScanLayout layout;
  std::vector<uint8_t> data;   // the entropy-coded bytes with the stuffing removed, then zero padding
  std::vector<uint32_t> mcu;   // bit offset of each MCU, then of the end of the last
  std::vector<uint32_t> ac;    // per MCU and component: offset after the component's first DC difference
  std::vector<uint32_t> next;  // per MCU and component: offset of the next component's first block
  std::vector<int16_t> dc_first, dc_last;  // per MCU and component: its first and last block's DC value

  std::size_t bytes() const {
    return sizeof *this + data.capacity() + (mcu.capacity() + ac.capacity() + next.capacity()) * 4 +
           (dc_first.capacity() + dc_last.capacity()) * 2;
  }
};

// Indexes the scan whose entropy-coded data starts at `data` (the byte after the SOS segment; `size` bytes
// to the end of the stream). The reason on refusal, nullopt on success.
std::optional<std::string> index_scan(const uint8_t* data, std::size_t size, const ScanLayout& layout,
                                      JpegScan& out);

// A chip written from runs of MCUs of indexed scans with the same layout and tables.
class JpegSplice {
 public:
  // Appends to `out`, which holds the chip's markers up to SOS (write_splice_header).
  JpegSplice(const ScanLayout& layout, std::vector<uint8_t>& out);
  // Appends MCUs [first, last) of `scan` (first < last, within one MCU row). False when a DC difference
  // cannot be coded with the source's tables.
  bool add(const JpegScan& scan, int64_t first, int64_t last);
  // Pads the last byte and appends EOI.
  void finish();

 private:
  struct Code {
    uint16_t code = 0;
    uint8_t size = 0;
  };
  void put(uint32_t value, int n);
  void copy(const std::vector<uint8_t>& data, uint64_t from, uint64_t to);
  bool put_dc(int c, int diff);

  int components_ = 0;
  std::array<std::array<Code, 16>, kScanMaxComponents> dc_{};
  int pred_[kScanMaxComponents] = {};
  std::vector<uint8_t>& out_;
  uint64_t acc_ = 0;
  int nacc_ = 0;
};

// The JPEG markers of a spliced chip up to SOS: a JFIF (YCbCr, grayscale) or Adobe (RGB) marker as libjpeg
// writes them, the quantisation tables (natural order, 8-bit values), the frame, the Huffman tables, the
// scan. `ids`, `h`, `v` per component; `quant[c]` the component's table. False when a quantisation value
// does not fit 8 bits (baseline and extended 8-bit frames store 8-bit tables here).
struct SpliceFrame {
  int width = 0, height = 0;
  int color = 0;  // 1 grayscale, 2 RGB, 3 YCbCr
  int ids[kScanMaxComponents] = {}, h[kScanMaxComponents] = {}, v[kScanMaxComponents] = {};
  const uint16_t* quant[kScanMaxComponents] = {};
};
bool write_splice_header(const SpliceFrame& f, const ScanLayout& layout, std::vector<uint8_t>& out);

}  // namespace dskit::image
