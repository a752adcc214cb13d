// dschip --jpeg-copy: chips assembled from the source tiles' DCT coefficients (see jpeg_copy.h).
//
// libjpeg reports errors through a callback that must not return: here it longjmps back to the one
// setjmp in guarded(), whose callers run only libjpeg calls and trivially destructible locals between the
// two, so no C++ destructor is skipped. Every libjpeg object lives in a Session that destroys it whatever
// happened.
#include "dskit/image/jpeg_copy.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>

namespace dskit::image {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg sees only this part
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (level -1: corrupt data, a truncated stream) count as errors; trace messages are dropped.
void on_message(j_common_ptr c, int level) {
  if (level < 0) on_error(c);
}

void on_output(j_common_ptr) {}

// Runs `f` (libjpeg calls only); false when libjpeg reported an error, whose text is in e.message.
template <class F>
bool guarded(ErrorManager& e, F& f) {
  if (setjmp(e.jump)) return false;
  f();
  return true;
}

constexpr int kMaxJpegSide = 65500;
constexpr int64_t kMaxTileSide = 4096;  // bounds a tile's coefficients (4096^2 4:4:4: 96 MiB)

struct Session {
  ErrorManager err{};
  jpeg_decompress_struct src{};
  jpeg_compress_struct dst{};
  bool src_made = false, dst_made = false;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;

  Session() {
    jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    err.pub.output_message = on_output;
    src.err = &err.pub;
    dst.err = &err.pub;
  }
  ~Session() {
    if (src_made) jpeg_destroy_decompress(&src);
    if (dst_made) jpeg_destroy_compress(&dst);
    std::free(out);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::string failure(const std::string& what) const { return what + ": " + err.message; }

  std::optional<std::string> create() {
    auto f = [&] {
      jpeg_create_decompress(&src);
      src_made = true;
      jpeg_create_compress(&dst);
      dst_made = true;
    };
    if (!guarded(err, f)) return failure("libjpeg");
    return std::nullopt;
  }

  // Loads the shared tables (if any), then the header of `tile` into src.
  std::optional<std::string> read_header(const JpegGrid& grid, const std::vector<unsigned char>& tile) {
    if (tile.empty()) return std::string("empty tile");
    int tables_rc = JPEG_HEADER_TABLES_ONLY, rc = 0;
    auto f = [&] {
      if (!grid.tables.empty()) {
        jpeg_mem_src(&src, grid.tables.data(), static_cast<unsigned long>(grid.tables.size()));
        tables_rc = jpeg_read_header(&src, FALSE);
      }
      jpeg_mem_src(&src, tile.data(), static_cast<unsigned long>(tile.size()));
      rc = jpeg_read_header(&src, TRUE);
    };
    if (!guarded(err, f)) return failure("not a readable JPEG stream");
    if (tables_rc != JPEG_HEADER_TABLES_ONLY) return std::string("the JPEG tables hold an image");
    if (rc != JPEG_HEADER_OK) return std::string("no image in the JPEG stream");
    return std::nullopt;
  }

  void abort_src() {
    auto f = [&] { jpeg_abort_decompress(&src); };
    guarded(err, f);
  }
};

// The iMCU (the unit a chip must be aligned to) of the header in `s`.
struct Layout {
  int components = 0;
  int h[MAX_COMPONENTS] = {}, v[MAX_COMPONENTS] = {};
  int imcu_w = 8, imcu_h = 8;
};

// Checks what --jpeg-copy needs of one tile's header, sets the colour space from the grid and fills `l`.
std::optional<std::string> check_header(const JpegGrid& grid, jpeg_decompress_struct& s, Layout& l) {
  if (s.progressive_mode) return std::string("progressive JPEG tiles");
  if (s.arith_code) return std::string("arithmetic-coded JPEG tiles");
  if (s.data_precision != 8)
    return "JPEG tiles of " + std::to_string(s.data_precision) + "-bit samples (8-bit only)";
  const int n = s.num_components;
  switch (grid.color) {
    case JpegColor::gray:
      if (n != 1) return std::string("a grayscale TIFF with a colour JPEG tile");
      s.jpeg_color_space = JCS_GRAYSCALE;
      break;
    case JpegColor::rgb:
    case JpegColor::ycbcr:
      if (n != 3) return "a colour TIFF with a JPEG tile of " + std::to_string(n) + " components";
      s.jpeg_color_space = grid.color == JpegColor::rgb ? JCS_RGB : JCS_YCbCr;
      break;
    case JpegColor::from_stream:
      if (s.jpeg_color_space != JCS_GRAYSCALE && s.jpeg_color_space != JCS_RGB &&
          s.jpeg_color_space != JCS_YCbCr)
        return std::string("JPEG colour space other than grayscale, RGB or YCbCr");
      break;
  }
  l.components = n;
  int max_h = 1, max_v = 1;
  for (int c = 0; c < n; ++c) {
    l.h[c] = s.comp_info[c].h_samp_factor;
    l.v[c] = s.comp_info[c].v_samp_factor;
    max_h = std::max(max_h, l.h[c]);
    max_v = std::max(max_v, l.v[c]);
  }
  for (int c = 0; c < n; ++c)
    if (max_h % l.h[c] != 0 || max_v % l.v[c] != 0) return std::string("unusual JPEG sampling factors");
  l.imcu_w = 8 * max_h;
  l.imcu_h = 8 * max_v;
  if (grid.tile_width % l.imcu_w != 0 || grid.tile_height % l.imcu_h != 0)
    return "tile size " + std::to_string(grid.tile_width) + "x" + std::to_string(grid.tile_height) +
           " is not a multiple of the JPEG iMCU (" + std::to_string(l.imcu_w) + "x" +
           std::to_string(l.imcu_h) + ")";
  if (int64_t(s.image_width) != grid.tile_width || int64_t(s.image_height) > grid.tile_height)
    return "a JPEG tile of " + std::to_string(s.image_width) + "x" + std::to_string(s.image_height) +
           " pixels in a grid of " + std::to_string(grid.tile_width) + "x" + std::to_string(grid.tile_height);
  return std::nullopt;
}

bool same_layout(const Layout& a, const Layout& b) {
  if (a.components != b.components) return false;
  for (int c = 0; c < a.components; ++c)
    if (a.h[c] != b.h[c] || a.v[c] != b.v[c]) return false;
  return true;
}

std::string tile_name(int64_t col, int64_t row) {
  return "tile (column " + std::to_string(col) + ", row " + std::to_string(row) + ")";
}

}  // namespace

int jpeg_imcu(const JpegGrid& grid, const JpegTileFetch& fetch, std::string& err) {
  if (grid.tile_width <= 0 || grid.tile_height <= 0) {
    err = "not a tiled image";
    return 0;
  }
  std::vector<unsigned char> tile;
  if (auto e = fetch(0, 0, tile)) {
    err = *e;
    return 0;
  }
  Session s;
  Layout l;
  std::optional<std::string> e = s.create();
  if (!e) e = s.read_header(grid, tile);
  if (!e) e = check_header(grid, s.src, l);
  if (e) {
    err = tile_name(0, 0) + ": " + *e;
    return 0;
  }
  return std::max(l.imcu_w, l.imcu_h);
}

std::optional<std::string> jpeg_copy(const JpegGrid& grid, const JpegTileFetch& fetch, int64_t x, int64_t y,
                                     int64_t w, int64_t h, std::vector<unsigned char>& out) {
  if (grid.tile_width <= 0 || grid.tile_height <= 0) return std::string("not a tiled image");
  if (grid.tile_width > kMaxTileSide || grid.tile_height > kMaxTileSide)
    return std::string("tiles larger than 4096 pixels a side");
  if (w <= 0 || h <= 0 || w > kMaxJpegSide || h > kMaxJpegSide)
    return std::string("chip size out of JPEG's range");
  if (x < 0 || y < 0 || x > grid.width - w || y > grid.height - h)
    return std::string("chip extends past the image");
  const int64_t tx0 = x / grid.tile_width, tx1 = (x + w - 1) / grid.tile_width;
  const int64_t ty0 = y / grid.tile_height, ty1 = (y + h - 1) / grid.tile_height;

  Session s;
  if (auto e = s.create()) return e;
  Layout first;
  jvirt_barray_ptr arrays[MAX_COMPONENTS] = {};
  std::vector<unsigned char> tile;
  // Row-major order: the chip's block rows are written top to bottom.
  for (int64_t ty = ty0; ty <= ty1; ++ty) {
    for (int64_t tx = tx0; tx <= tx1; ++tx) {
      const bool is_first = ty == ty0 && tx == tx0;
      if (auto e = fetch(tx, ty, tile)) return tile_name(tx, ty) + ": " + *e;
      Layout l;
      std::optional<std::string> e = s.read_header(grid, tile);
      if (!e) e = check_header(grid, s.src, l);
      if (!e && !is_first && !same_layout(first, l)) e = "component count or sampling differ between tiles";
      if (e) return tile_name(tx, ty) + ": " + *e;
      if (is_first) {
        first = l;
        if (x % l.imcu_w || y % l.imcu_h || w % l.imcu_w || h % l.imcu_h)
          return "chip " + std::to_string(w) + "x" + std::to_string(h) + " at (" + std::to_string(x) + ", " +
                 std::to_string(y) + ") is off the " + std::to_string(l.imcu_w) + "x" +
                 std::to_string(l.imcu_h) + " JPEG iMCU grid";
      }
      // The part of the chip in this tile, in pixels of the level; the tile stream must cover it.
      const int64_t ox = tx * grid.tile_width, oy = ty * grid.tile_height;
      const int64_t ix0 = std::max(x, ox), iy0 = std::max(y, oy);
      const int64_t ix1 = std::min(x + w, ox + grid.tile_width), iy1 = std::min(y + h, oy + grid.tile_height);
      if (iy1 - oy > int64_t(s.src.image_height)) {
        s.abort_src();
        return tile_name(tx, ty) + ": the JPEG tile is shorter than the tile grid";
      }
      jvirt_barray_ptr* src_arrays = nullptr;
      auto read = [&] { src_arrays = jpeg_read_coefficients(&s.src); };
      if (!guarded(s.err, read)) return tile_name(tx, ty) + ": " + s.failure("corrupt JPEG data");
      if (is_first) {
        auto setup = [&] {
          jpeg_copy_critical_parameters(&s.src, &s.dst);
          s.dst.image_width = static_cast<JDIMENSION>(w);
          s.dst.image_height = static_cast<JDIMENSION>(h);
          for (int c = 0; c < l.components; ++c) {
            const auto bw = static_cast<JDIMENSION>(w * l.h[c] / l.imcu_w);
            const auto bh = static_cast<JDIMENSION>(h * l.v[c] / l.imcu_h);
            arrays[c] = (*s.dst.mem->request_virt_barray)(reinterpret_cast<j_common_ptr>(&s.dst), JPOOL_IMAGE,
                                                          TRUE, bw, bh, static_cast<JDIMENSION>(l.v[c]));
          }
          (*s.dst.mem->realize_virt_arrays)(reinterpret_cast<j_common_ptr>(&s.dst));
        };
        if (!guarded(s.err, setup))
          return tile_name(tx, ty) + ": " + s.failure("cannot copy the JPEG parameters");
      }
      // The chip is written with the first tile's quantisation: every tile must have used the same.
      for (int c = 0; c < l.components; ++c) {
        const JQUANT_TBL* mine = s.src.comp_info[c].quant_table;
        const JQUANT_TBL* chip = s.dst.quant_tbl_ptrs[s.dst.comp_info[c].quant_tbl_no];
        if (!mine || !chip || std::memcmp(mine->quantval, chip->quantval, sizeof mine->quantval) != 0) {
          s.abort_src();
          return tile_name(tx, ty) + ": quantisation tables differ between the tiles the chip spans";
        }
      }
      auto copy = [&] {
        for (int c = 0; c < l.components; ++c) {
          // Block columns/rows of component c: pixel p maps to block p * h[c] / imcu_w.
          const int64_t bx0 = ix0 * l.h[c] / l.imcu_w, bx1 = ix1 * l.h[c] / l.imcu_w;
          const int64_t by0 = iy0 * l.v[c] / l.imcu_h, by1 = iy1 * l.v[c] / l.imcu_h;
          const int64_t sx = ox * l.h[c] / l.imcu_w, sy = oy * l.v[c] / l.imcu_h;
          const int64_t dx = x * l.h[c] / l.imcu_w, dy = y * l.v[c] / l.imcu_h;
          for (int64_t by = by0; by < by1; ++by) {
            JBLOCKARRAY from = (*s.src.mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(&s.src),
                                                                src_arrays[c], JDIMENSION(by - sy), 1, FALSE);
            JBLOCKARRAY to = (*s.dst.mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(&s.dst),
                                                              arrays[c], JDIMENSION(by - dy), 1, TRUE);
            std::memcpy(to[0] + (bx0 - dx), from[0] + (bx0 - sx), std::size_t(bx1 - bx0) * sizeof(JBLOCK));
          }
        }
        jpeg_abort_decompress(&s.src);
      };
      if (!guarded(s.err, copy)) return tile_name(tx, ty) + ": " + s.failure("cannot copy the JPEG blocks");
    }
  }
  auto write = [&] {
    jpeg_mem_dest(&s.dst, &s.out, &s.out_size);
    s.dst.optimize_coding = TRUE;
    jpeg_write_coefficients(&s.dst, arrays);
    jpeg_finish_compress(&s.dst);
  };
  if (!guarded(s.err, write)) return s.failure("cannot write the JPEG chip");
  out.assign(s.out, s.out + s.out_size);
  return std::nullopt;
}

}  // namespace dskit::image
