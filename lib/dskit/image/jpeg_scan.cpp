// Indexing a JPEG scan by MCU and splicing chips from the index (see jpeg_scan.h).
#include "dskit/image/jpeg_scan.h"

#include <algorithm>
#include <cstring>

namespace dskit::image {

namespace {

// The zigzag order of DQT segments: the natural-order index of the i-th stored value.
constexpr uint8_t kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

constexpr int kFastBits = 11;
// Zero bytes after the data: a whole MCU (at most 10 blocks of 64 codes of at most 16 + 15 bits, ~2.5 KB)
// can be decoded before the bound is checked, and every read fetches 8 bytes.
constexpr std::size_t kPadding = 4096;
constexpr std::size_t kMaxData = std::size_t{1} << 28;  // bit offsets fit 32 bits

// 64 bits of `d` from bit `pos`, first bit highest; the lowest pos % 8 are zero (at least 57 are data).
inline uint64_t peek(const uint8_t* d, uint64_t pos) {
  uint64_t w;
  std::memcpy(&w, d + (pos >> 3), 8);
  return __builtin_bswap64(w) << (pos & 7);
}

// A Huffman table for decoding: codes up to kFastBits long in one lookup, longer ones by length.
struct Decoder {
  uint16_t fast[1 << kFastBits] = {};  // (length << 8) | symbol; 0: longer than kFastBits, or no code
  // As an AC table: (bits the code and its value take << 8) | how far the coefficient index moves (r + 1;
  // 16 for ZRL; 64 for end of block); 0 as in fast.
  uint16_t ac[1 << kFastBits] = {};
  int32_t maxcode[18] = {};  // largest code of each length, -1 when none
  int32_t offset[17] = {};   // index in values of the first code of each length, minus that code
  uint8_t values[256] = {};

  // False for a table libjpeg refuses ("Bogus Huffman table definition"): more than 256 codes, or codes of
  // a length that do not fit it with the all-ones code left out.
  bool build(const HuffmanSpec& s) {
    int k = 0;
    int32_t code = 0;
    for (int len = 1; len <= 16; ++len) {
      const int n = s.bits[std::size_t(len)];
      if (k + n > 256) return false;
      if (n && code + n >= (int32_t{1} << len)) return false;
      offset[len] = k - code;
      for (int i = 0; i < n; ++i, ++k, ++code) {
        const uint8_t sym = s.values[std::size_t(k)];
        values[k] = sym;
        if (len <= kFastBits) {
          const int shift = kFastBits - len;
          const int run = sym >> 4, size = sym & 15;
          const int adv = size ? run + 1 : run == 15 ? 16 : 64;
          for (int j = 0; j < (1 << shift); ++j) {
            fast[(code << shift) | j] = uint16_t((len << 8) | sym);
            ac[(code << shift) | j] = uint16_t(((len + size) << 8) | adv);
          }
        }
      }
      maxcode[len] = n ? code - 1 : -1;
      code <<= 1;
    }
    return true;
  }

  // The symbol of a code longer than kFastBits at the top of `w`, its length in `len`; -1 for no code.
  int slow(uint64_t w, int& len) const {
    for (int l = kFastBits + 1; l <= 16; ++l) {
      const auto code = int32_t(w >> (64 - l));
      if (code <= maxcode[l]) {
        len = l;
        return values[offset[l] + code];
      }
    }
    return -1;
  }
};

}  // namespace

int HuffmanSpec::count() const {
  int n = 0;
  for (int l = 1; l <= 16; ++l) n += bits[std::size_t(l)];
  return n;
}

std::optional<std::string> index_scan(const uint8_t* data, std::size_t size, const ScanLayout& layout,
                                      JpegScan& out) {
  const int nc = layout.components;
  if (nc < 1 || nc > kScanMaxComponents) return std::string("unsupported component count");
  int blocks = 0;
  for (int c = 0; c < nc; ++c) {
    if (layout.blocks[c] < 1) return std::string("bad sampling");
    blocks += layout.blocks[c];
  }
  if (blocks > 10) return std::string("more than 10 blocks per MCU");
  if (layout.mcus_x < 1 || layout.mcus_y < 1 || layout.mcus_x * layout.mcus_y > (int64_t{1} << 22))
    return std::string("bad MCU count");
  // Tables (each distinct one once).
  std::vector<Decoder> decoders;
  decoders.reserve(std::size_t(2 * nc));
  const Decoder* dc[kScanMaxComponents] = {};
  const Decoder* ac[kScanMaxComponents] = {};
  for (int c = 0; c < nc; ++c) {
    for (int cls = 0; cls < 2; ++cls) {
      const HuffmanSpec& s = cls ? layout.ac[c] : layout.dc[c];
      if (s.count() == 0) return std::string("an empty Huffman table");
      // libjpeg refuses a DC table with a symbol above 15 (the chip, which keeps the table, would not
      // decode): so does the index, and the coefficient path then reports libjpeg's error.
      if (!cls &&
          std::any_of(s.values.begin(), s.values.begin() + s.count(), [](uint8_t v) { return v > 15; }))
        return std::string("a bad DC Huffman table");
      const Decoder*& d = cls ? ac[c] : dc[c];
      for (int o = 0; o < c && !d; ++o) {
        if (layout.dc[o] == s) d = dc[o];
        if (layout.ac[o] == s) d = ac[o];
      }
      if (!d) {
        decoders.emplace_back();
        if (!decoders.back().build(s)) return std::string("a bad Huffman table");
        d = &decoders.back();
      }
    }
  }

  // The data: stuffed 0xFF 0x00 pairs become 0xFF, 0xFF fill bytes are dropped, and the first marker ends
  // it; only EOI may (restart markers are the coefficient path's, another scan is not one scan).
  out.layout = layout;
  auto& d = out.data;
  d.clear();
  d.reserve(std::min(size, kMaxData) + kPadding);
  std::size_t i = 0;
  int marker = -1;
  while (i < size) {
    const uint8_t* ff = static_cast<const uint8_t*>(std::memchr(data + i, 0xFF, size - i));
    const std::size_t stop = ff ? std::size_t(ff - data) : size;
    d.insert(d.end(), data + i, data + stop);
    if (d.size() > kMaxData) return std::string("a scan above 256 MiB");
    i = stop;
    if (i >= size) break;
    while (i + 1 < size && data[i + 1] == 0xFF) ++i;  // fill bytes
    if (i + 1 >= size) break;
    if (data[i + 1] == 0x00) {
      d.push_back(0xFF);
      i += 2;
      continue;
    }
    marker = data[i + 1];
    break;
  }
  if (marker != 0xD9) return std::string(marker < 0 ? "no EOI after the scan" : "a marker inside the scan");
  const uint64_t nbits = uint64_t(d.size()) * 8;
  d.resize(d.size() + kPadding, 0);

  // Every MCU: its offset, and for each component the offset after its first DC difference, the DC values
  // of its first and last block. AC codes are skipped: a code's length and its value's bit count only.
  const auto n = std::size_t(layout.mcus_x * layout.mcus_y);
  out.mcu.resize(n + 1);
  out.ac.resize(n * std::size_t(nc));
  out.next.resize(n * std::size_t(nc));
  out.dc_first.resize(n * std::size_t(nc));
  out.dc_last.resize(n * std::size_t(nc));
  const uint8_t* p = d.data();
  // The bits at `pos` are the top of `buf`, of which `used` were consumed since it was read; reading again
  // before a code keeps at least 27 valid (57 - 30): a DC code and its value.
  uint64_t pos = 0, buf = peek(p, 0);
  int used = 0;
  auto skip = [&](int bits) {
    pos += uint64_t(bits);
    used += bits;
    buf <<= bits;  // bits < 64
    // Without a branch (which the data would decide): the read is cheap, a misprediction is not.
    const uint64_t fresh = peek(p, pos);
    const bool stale = used > 30;
    buf = stale ? fresh : buf;
    used = stale ? 0 : used;
  };
  int pred[kScanMaxComponents] = {};
  for (std::size_t m = 0; m < n; ++m) {
    out.mcu[m] = uint32_t(pos);
    for (int c = 0; c < nc; ++c) {
      const std::size_t mc = m * std::size_t(nc) + std::size_t(c);
      if (c > 0) out.next[mc - 1] = uint32_t(pos);
      const Decoder& dd = *dc[c];
      const Decoder& a = *ac[c];
      for (int b = 0; b < layout.blocks[c]; ++b) {
        int len = 0, sym = 0;
        if (const uint16_t f = dd.fast[buf >> (64 - kFastBits)]) {
          len = f >> 8;
          sym = f & 0xFF;
        } else {
          sym = dd.slow(buf, len);
        }
        if (sym < 0 || sym > 11) return std::string("corrupt JPEG data (DC)");
        if (sym) {  // JPEG's EXTEND of the difference's bits
          const auto v = int((buf << len) >> (64 - sym));
          pred[c] += v < (1 << (sym - 1)) ? v - (1 << sym) + 1 : v;
          if (pred[c] < -32768 || pred[c] > 32767) return std::string("corrupt JPEG data (DC range)");
        }
        skip(len + sym);
        if (b == 0) {
          out.ac[mc] = uint32_t(pos);
          out.dc_first[mc] = int16_t(pred[c]);
        }
        // As libjpeg decodes: k counts coefficients, a run past 63 ends the block as there.
        for (int k = 1; k < 64;) {
          if (const uint16_t e = a.ac[buf >> (64 - kFastBits)]) {
            skip(e >> 8);
            k += e & 0xFF;
            continue;
          }
          const int rs = a.slow(buf, len);
          if (rs < 0) return std::string("corrupt JPEG data (AC)");
          const int r = rs >> 4, sz = rs & 15;
          skip(len + sz);
          if (sz)
            k += r + 1;
          else if (r == 15)
            k += 16;
          else
            break;
        }
      }
      out.dc_last[mc] = int16_t(pred[c]);
    }
    if (pos > nbits) return std::string("corrupt JPEG data (premature end)");
    out.next[m * std::size_t(nc) + std::size_t(nc) - 1] = uint32_t(pos);
  }
  out.mcu[n] = uint32_t(pos);
  // What libjpeg calls extraneous bytes: data left after the last MCU's padding byte.
  if ((pos + 7) / 8 != nbits / 8) return std::string("corrupt JPEG data (bytes after the last MCU)");
  return std::nullopt;
}

JpegSplice::JpegSplice(const ScanLayout& layout, std::vector<uint8_t>& out)
    : components_(layout.components), out_(out) {
  for (int c = 0; c < components_; ++c) {
    const HuffmanSpec& s = layout.dc[c];
    int k = 0, code = 0;
    for (int len = 1; len <= 16; ++len) {
      for (int i = 0; i < s.bits[std::size_t(len)] && k < 256; ++i, ++k, ++code) {
        const uint8_t sym = s.values[std::size_t(k)];
        if (sym < 16 && dc_[std::size_t(c)][sym].size == 0)
          dc_[std::size_t(c)][sym] = {uint16_t(code), uint8_t(len)};
      }
      code <<= 1;
    }
  }
}

void JpegSplice::put(uint32_t value, int n) {
  // Whole 32-bit words at a time; a byte 0xFF is followed by a stuffed 0x00.
  acc_ = (acc_ << n) | value;
  nacc_ += n;
  if (nacc_ < 32) return;
  nacc_ -= 32;
  const auto word = uint32_t(acc_ >> nacc_);
  acc_ &= (uint64_t{1} << nacc_) - 1;
  const uint32_t inv = ~word;
  if (((inv - 0x01010101u) & ~inv & 0x80808080u) == 0) {  // no byte of the word is 0xFF
    const uint8_t bytes[4] = {uint8_t(word >> 24), uint8_t(word >> 16), uint8_t(word >> 8), uint8_t(word)};
    out_.insert(out_.end(), bytes, bytes + 4);
    return;
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto byte = uint8_t(word >> shift);
    out_.push_back(byte);
    if (byte == 0xFF) out_.push_back(0);
  }
}

void JpegSplice::copy(const std::vector<uint8_t>& data, uint64_t from, uint64_t to) {
  const uint8_t* p = data.data();
  while (from < to) {
    const int n = int(std::min<uint64_t>(32, to - from));
    put(uint32_t(peek(p, from) >> (64 - n)), n);
    from += uint64_t(n);
  }
}

bool JpegSplice::put_dc(int c, int diff) {
  const int mag = diff < 0 ? -diff : diff;
  const int s = mag ? 32 - __builtin_clz(unsigned(mag)) : 0;
  if (s > 11) return false;
  const Code code = dc_[std::size_t(c)][std::size_t(s)];
  if (code.size == 0) return false;
  put(code.code, code.size);
  if (s) put(uint32_t(diff < 0 ? diff - 1 : diff) & ((1u << s) - 1), s);
  return true;
}

bool JpegSplice::add(const JpegScan& scan, int64_t first, int64_t last) {
  const int nc = components_;
  const auto m = std::size_t(first);
  for (int c = 0; c < nc; ++c) {
    const std::size_t mc = m * std::size_t(nc) + std::size_t(c);
    if (!put_dc(c, scan.dc_first[mc] - pred_[c])) return false;
    copy(scan.data, scan.ac[mc], scan.next[mc]);
    pred_[c] = scan.dc_last[mc];
  }
  if (last > first + 1) {
    copy(scan.data, scan.mcu[m + 1], scan.mcu[std::size_t(last)]);
    for (int c = 0; c < nc; ++c)
      pred_[c] = scan.dc_last[std::size_t(last - 1) * std::size_t(nc) + std::size_t(c)];
  }
  return true;
}

void JpegSplice::finish() {
  // The bits left, padded with ones to a whole byte, then EOI.
  if (nacc_ % 8) {
    const int pad = 8 - nacc_ % 8;
    acc_ = (acc_ << pad) | ((uint64_t{1} << pad) - 1);
    nacc_ += pad;
  }
  while (nacc_ > 0) {
    nacc_ -= 8;
    const auto byte = uint8_t(acc_ >> nacc_);
    out_.push_back(byte);
    if (byte == 0xFF) out_.push_back(0);
  }
  out_.push_back(0xFF);
  out_.push_back(0xD9);
}

bool write_splice_header(const SpliceFrame& f, const ScanLayout& layout, std::vector<uint8_t>& out) {
  const int nc = layout.components;
  auto u16 = [&](int v) {
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
  };
  out.push_back(0xFF);
  out.push_back(0xD8);
  if (f.color == 2) {  // Adobe APP14, transform 0: the components are R, G, B (libjpeg for JCS_RGB)
    const uint8_t app14[] = {0xFF, 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
    out.insert(out.end(), app14, app14 + sizeof app14);
  } else {  // JFIF 1.01, no units, 1:1, no thumbnail (libjpeg's defaults)
    const uint8_t app0[] = {0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    out.insert(out.end(), app0, app0 + sizeof app0);
  }
  // Quantisation tables, each distinct one once.
  int qslot[kScanMaxComponents] = {};
  int nq = 0;
  for (int c = 0; c < nc; ++c) {
    int s = 0;
    while (s < c && std::memcmp(f.quant[s], f.quant[c], 64 * sizeof(uint16_t)) != 0) ++s;
    if (s < c) {
      qslot[c] = qslot[s];
      continue;
    }
    qslot[c] = nq++;
    out.push_back(0xFF);
    out.push_back(0xDB);
    u16(2 + 65);
    out.push_back(uint8_t(qslot[c]));
    for (int i = 0; i < 64; ++i) {
      const uint16_t q = f.quant[c][kZigzag[i]];
      if (q == 0 || q > 255) return false;
      out.push_back(uint8_t(q));
    }
  }
  // Huffman tables, each distinct one once per class.
  int dslot[kScanMaxComponents] = {}, aslot[kScanMaxComponents] = {};
  std::vector<uint8_t> dht;
  auto table = [&](int cls, int id, const HuffmanSpec& s) {
    const int n = s.count();
    dht.push_back(0xFF);
    dht.push_back(0xC4);
    dht.push_back(uint8_t((2 + 17 + n) >> 8));
    dht.push_back(uint8_t(2 + 17 + n));
    dht.push_back(uint8_t((cls << 4) | id));
    dht.insert(dht.end(), s.bits.begin() + 1, s.bits.end());
    dht.insert(dht.end(), s.values.begin(), s.values.begin() + n);
  };
  // Each distinct table of a class once; slot[c] is component c's.
  auto tables = [&](int cls, const HuffmanSpec* specs, int* slot) {
    int count = 0;
    for (int c = 0; c < nc; ++c) {
      int same = 0;
      while (same < c && !(specs[same] == specs[c])) ++same;
      if (same < c) {
        slot[c] = slot[same];
        continue;
      }
      slot[c] = count++;
      table(cls, slot[c], specs[c]);
    }
    return count;
  };
  const int nd = tables(0, layout.dc, dslot), na = tables(1, layout.ac, aslot);
  // Baseline when it can be (two tables of each class at most), else extended sequential.
  out.push_back(0xFF);
  out.push_back(nd <= 2 && na <= 2 ? 0xC0 : 0xC1);
  u16(8 + 3 * nc);
  out.push_back(8);
  u16(f.height);
  u16(f.width);
  out.push_back(uint8_t(nc));
  for (int c = 0; c < nc; ++c) {
    out.push_back(uint8_t(f.ids[c]));
    out.push_back(uint8_t((f.h[c] << 4) | f.v[c]));
    out.push_back(uint8_t(qslot[c]));
  }
  out.insert(out.end(), dht.begin(), dht.end());
  out.push_back(0xFF);
  out.push_back(0xDA);
  u16(6 + 2 * nc);
  out.push_back(uint8_t(nc));
  for (int c = 0; c < nc; ++c) {
    out.push_back(uint8_t(f.ids[c]));
    out.push_back(uint8_t((dslot[c] << 4) | aslot[c]));
  }
  out.push_back(0);
  out.push_back(63);
  out.push_back(0);
  return true;
}

}  // namespace dskit::image
