// jpeg_copy: chips assembled from JPEG tiles' coefficients, decoded and compared with the decoded source
// (JPEG-tiled TIFFs written here with libtiff and read back by dschip's TIFF reader; tile streams written
// here with libjpeg for restart markers and mismatched quantisation), and the refusals.
#include "dskit/image/jpeg_copy.h"

#include <doctest/doctest.h>
#include <jpeglib.h>
#include <tiffio.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dskit/image/tiff_source.h"
#include "temp_tree.h"

using namespace dskit::image;

namespace {

// Slide-like content: smooth colour gradients and blobs, with texture in the luma.
cv::Mat test_image(int cols, int rows) {
  cv::Mat m(rows, cols, CV_8UC3);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(uchar(128 + 100 * std::sin(x / 61.0)), uchar(128 + 100 * std::sin((x + 2 * y) / 79.0)),
                    uchar(128 + 90 * std::cos((x - y) / 47.0)));
  cv::Mat noise(rows, cols, CV_8UC1), noise3;
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(24));
  cv::cvtColor(noise, noise3, cv::COLOR_GRAY2BGR);
  m += noise3;
  for (int i = 0; i < 12; ++i)
    cv::circle(m, {(i * 97) % cols, (i * 61) % rows}, 20 + i * 3, cv::Scalar(60 + i * 10, 30, 160), -1);
  return m;
}

enum class Kind { ycbcr420, ycbcr444, gray, rgb };

// Writes `img` (BGR) as a JPEG-tiled TIFF (256x256 tiles, JPEGTables + abbreviated tile streams, as
// Aperio SVS stores them).
void write_tiff(const std::string& path, const cv::Mat& img, Kind kind, int quality = 90) {
  TIFF* t = TIFFOpen(path.c_str(), "w");
  REQUIRE(t);
  const int spp = kind == Kind::gray ? 1 : 3;
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, uint32_t(img.cols));
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, uint32_t(img.rows));
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_TILEWIDTH, 256);
  TIFFSetField(t, TIFFTAG_TILELENGTH, 256);
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
  if (kind == Kind::gray) {
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  } else if (kind == Kind::rgb) {  // JPEG tiles in RGB (an Adobe marker, no colour transform)
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  } else {
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
    const int sub = kind == Kind::ycbcr420 ? 2 : 1;
    TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, sub, sub);
  }
  TIFFSetField(t, TIFFTAG_JPEGQUALITY, quality);
  if (kind == Kind::ycbcr420 || kind == Kind::ycbcr444)
    TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  cv::Mat src;
  if (kind == Kind::gray)
    cv::cvtColor(img, src, cv::COLOR_BGR2GRAY);
  else
    cv::cvtColor(img, src, cv::COLOR_BGR2RGB);
  for (int ty = 0; ty < img.rows; ty += 256) {
    for (int tx = 0; tx < img.cols; tx += 256) {
      cv::Mat tile(256, 256, src.type(), cv::Scalar::all(0));
      const cv::Rect r(tx, ty, std::min(256, img.cols - tx), std::min(256, img.rows - ty));
      src(r).copyTo(tile(cv::Rect(0, 0, r.width, r.height)));
      REQUIRE(TIFFWriteTile(t, tile.data, uint32_t(tx), uint32_t(ty), 0, 0) >= 0);
    }
  }
  TIFFClose(t);
}

// The grid and a raw-tile fetcher of a JPEG-tiled TIFF's first directory (TIFFReadRawTile + JPEGTables).
struct RawTiff {
  TIFF* t = nullptr;
  JpegGrid grid;
  explicit RawTiff(const std::string& path) {
    t = TIFFOpen(path.c_str(), "r");
    REQUIRE(t);
    uint32_t w = 0, h = 0, tw = 0, th = 0;
    uint16_t photometric = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
    grid.width = w;
    grid.height = h;
    grid.tile_width = tw;
    grid.tile_height = th;
    grid.color = photometric == PHOTOMETRIC_YCBCR ? JpegColor::ycbcr
                 : photometric == PHOTOMETRIC_RGB ? JpegColor::rgb
                                                  : JpegColor::gray;
    uint32_t n = 0;
    void* tables = nullptr;
    if (TIFFGetField(t, TIFFTAG_JPEGTABLES, &n, &tables) && n > 0) {
      const auto* p = static_cast<const unsigned char*>(tables);
      grid.tables.assign(p, p + n);
    }
  }
  ~RawTiff() { TIFFClose(t); }
  JpegTileFetch fetch() {
    return [this](int64_t col, int64_t row, std::vector<unsigned char>& out) -> std::optional<std::string> {
      const uint32_t number =
          TIFFComputeTile(t, uint32_t(col * grid.tile_width), uint32_t(row * grid.tile_height), 0, 0);
      const auto n = tmsize_t(TIFFGetStrileByteCount(t, number));
      if (n <= 0) return std::string("no tile");
      out.resize(std::size_t(n));
      if (TIFFReadRawTile(t, number, out.data(), n) != n) return std::string("short tile");
      return std::nullopt;
    };
  }
};

// A JPEG stream's DCT coefficients as libjpeg reads them (`tables` first when the stream is abbreviated).
struct Coefficients {
  int components = 0, max_h = 1, max_v = 1;
  int h[4] = {}, v[4] = {};
  int64_t bw[4] = {}, bh[4] = {};
  std::vector<JCOEF> blocks[4];
  const JCOEF* block(int c, int64_t bx, int64_t by) const {
    return blocks[c].data() + std::size_t(by * bw[c] + bx) * DCTSIZE2;
  }
};

Coefficients read_coefficients(const std::vector<unsigned char>& tables,
                               const std::vector<unsigned char>& jpeg) {
  jpeg_decompress_struct d{};
  jpeg_error_mgr e{};
  d.err = jpeg_std_error(&e);
  jpeg_create_decompress(&d);
  if (!tables.empty()) {
    jpeg_mem_src(&d, tables.data(), static_cast<unsigned long>(tables.size()));
    jpeg_read_header(&d, FALSE);
  }
  jpeg_mem_src(&d, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
  REQUIRE(jpeg_read_header(&d, TRUE) == JPEG_HEADER_OK);
  jvirt_barray_ptr* arrays = jpeg_read_coefficients(&d);
  Coefficients out;
  out.components = d.num_components;
  for (int c = 0; c < d.num_components; ++c) {
    const jpeg_component_info& ci = d.comp_info[c];
    out.h[c] = ci.h_samp_factor;
    out.v[c] = ci.v_samp_factor;
    out.max_h = std::max(out.max_h, out.h[c]);
    out.max_v = std::max(out.max_v, out.v[c]);
    out.bw[c] = ci.width_in_blocks;
    out.bh[c] = ci.height_in_blocks;
    for (JDIMENSION by = 0; by < ci.height_in_blocks; ++by) {
      JBLOCKARRAY row =
          (*d.mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(&d), arrays[c], by, 1, FALSE);
      const auto* first = reinterpret_cast<const JCOEF*>(row[0]);
      out.blocks[c].insert(out.blocks[c].end(), first, first + std::size_t(ci.width_in_blocks) * DCTSIZE2);
    }
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return out;
}

// Every block of `chip`, cut at (x, y), equals the block at its place in the source's tiles.
void check_same_blocks(RawTiff& raw, const std::vector<unsigned char>& chip, int64_t x, int64_t y) {
  const Coefficients got = read_coefficients({}, chip);
  std::map<std::pair<int64_t, int64_t>, Coefficients> tiles;
  const auto fetch = raw.fetch();
  int64_t mismatched = 0;
  for (int c = 0; c < got.components; ++c) {
    const int64_t imcu_w = 8 * got.max_h, imcu_h = 8 * got.max_v;
    const int64_t per_tile_x = raw.grid.tile_width * got.h[c] / imcu_w;
    const int64_t per_tile_y = raw.grid.tile_height * got.v[c] / imcu_h;
    const int64_t sx = x * got.h[c] / imcu_w, sy = y * got.v[c] / imcu_h;
    for (int64_t by = 0; by < got.bh[c]; ++by)
      for (int64_t bx = 0; bx < got.bw[c]; ++bx) {
        const int64_t gx = sx + bx, gy = sy + by;
        const auto key = std::make_pair(gx / per_tile_x, gy / per_tile_y);
        auto it = tiles.find(key);
        if (it == tiles.end()) {
          std::vector<unsigned char> data;
          REQUIRE(!fetch(key.first, key.second, data));
          it = tiles.emplace(key, read_coefficients(raw.grid.tables, data)).first;
        }
        if (std::memcmp(got.block(c, bx, by), it->second.block(c, gx % per_tile_x, gy % per_tile_y),
                        DCTSIZE2 * sizeof(JCOEF)) != 0)
          ++mismatched;
      }
  }
  CHECK(mismatched == 0);
}

cv::Mat decode(const std::vector<unsigned char>& jpeg) {
  return cv::imdecode(cv::Mat(1, int(jpeg.size()), CV_8U, const_cast<unsigned char*>(jpeg.data())),
                      cv::IMREAD_COLOR);
}

// One tile stream written by libjpeg from `img` (BGR): a complete JPEG with the given quality, sampling
// (h x v for luma) and restart interval (in MCUs), or progressive.
std::vector<unsigned char> encode_tile(const cv::Mat& img, int quality, int sampling, int restart,
                                       bool progressive = false, bool optimize = false) {
  cv::Mat rgb;
  cv::cvtColor(img, rgb, cv::COLOR_BGR2RGB);
  jpeg_compress_struct c{};
  jpeg_error_mgr e{};
  c.err = jpeg_std_error(&e);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = JDIMENSION(rgb.cols);
  c.image_height = JDIMENSION(rgb.rows);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  c.comp_info[0].h_samp_factor = sampling;
  c.comp_info[0].v_samp_factor = sampling;
  c.restart_interval = JDIMENSION(restart);
  if (progressive) jpeg_simple_progression(&c);
  c.optimize_coding = optimize ? TRUE : FALSE;  // Huffman tables of the tile's own
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = rgb.ptr(int(c.next_scanline));
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<unsigned char> out(buf, buf + size);
  std::free(buf);
  return out;
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
  REQUIRE(a.size() == b.size());
  REQUIRE(a.type() == b.type());
  return cv::PSNR(a, b);
}

// PSNR of re-encoding `region` as JPEG Q90 (what decode + encode adds).
double reencode_psnr(const cv::Mat& region) {
  std::vector<unsigned char> buf;
  REQUIRE(cv::imencode(".jpg", region, buf, {cv::IMWRITE_JPEG_QUALITY, 90}));
  return psnr(decode(buf), region);
}

}  // namespace

TEST_CASE("jpeg_copy: chips from JPEG-tiled TIFFs equal the decoded source (1, 2 and 4 tiles)") {
  dskit::test::TempTree t;
  const cv::Mat img = test_image(700, 560);
  for (Kind kind : {Kind::ycbcr420, Kind::ycbcr444, Kind::gray, Kind::rgb}) {
    const char* name = kind == Kind::ycbcr420   ? "4:2:0"
                       : kind == Kind::ycbcr444 ? "4:4:4"
                       : kind == Kind::gray     ? "gray"
                                                : "rgb";
    INFO("source " << std::string(name));
    const std::string path = t.path(std::string("s") + name + ".tif");
    write_tiff(path, img, kind);
    RawTiff raw(path);
    CHECK(!raw.grid.tables.empty());
    std::string err;
    CHECK(jpeg_imcu(raw.grid, raw.fetch(), err) == (kind == Kind::ycbcr420 ? 16 : 8));
    auto src = open_tiff(path, err);
    REQUIRE_MESSAGE(src, err);
    auto reader = src->reader(64 << 20);
    JpegTileCache cache(4 << 20);  // the later chips find some of their tiles here
    struct Case {
      int64_t x, y, w, h;
      const char* what;
    };
    const Case cases[] = {
        {0, 0, 256, 256, "one whole tile"},       {32, 48, 128, 160, "inside one tile"},
        {192, 64, 128, 128, "two tiles"},         {208, 192, 96, 128, "four tiles"},
        {256, 256, 256, 256, "an interior tile"}, {448, 288, 240, 272, "to the image edge"}};
    for (const Case& c : cases) {
      INFO("chip " << std::string(c.what));
      std::vector<unsigned char> chip;
      bool spliced = false;
      const auto e = jpeg_copy(raw.grid, raw.fetch(), c.x, c.y, c.w, c.h, chip, &cache, &spliced);
      REQUIRE_MESSAGE(!e, *e);
      CHECK(spliced);  // libtiff's tiles: one scan, shared tables, no restart markers
      // Block for block the source's coefficients, read by libjpeg from the tiles.
      check_same_blocks(raw, chip, c.x, c.y);
      const cv::Mat got = decode(chip);
      REQUIRE(!got.empty());
      cv::Mat want;
      REQUIRE(!reader->read(0, c.x, c.y, int(c.w), int(c.h), want));
      const double p = psnr(got, want), q = reencode_psnr(want);
      MESSAGE(std::string(name) << " " << std::string(c.what) << ": copy " << p << " dB, Q90 re-encode " << q
                                << " dB, " << chip.size() << " bytes");
      // 4:4:4 and grayscale chips decode to exactly the source pixels. A 4:2:0 chip measured 46-62 dB over
      // the whole chip on this content (a Q90 re-encode: 40-52), the difference all on the 1-pixel lines
      // below.
      if (kind == Kind::ycbcr420)
        CHECK(p >= 45);
      else
        CHECK(cv::norm(got, want, cv::NORM_INF) == 0);
      // Exact but next to the chip's edges (where a 4:2:0 chip's chroma upsampling has no neighbour) and
      // the source's tile seams (where the per-tile decode of the source had none).
      cv::Mat exact(got.size(), CV_8U, cv::Scalar(255));
      cv::rectangle(exact, cv::Rect(0, 0, exact.cols, exact.rows), cv::Scalar(0), 1);
      for (int64_t sx = (c.x / 256 + 1) * 256; sx < c.x + c.w; sx += 256)
        exact.colRange(int(sx - c.x) - 1, int(sx - c.x) + 1).setTo(0);
      for (int64_t sy = (c.y / 256 + 1) * 256; sy < c.y + c.h; sy += 256)
        exact.rowRange(int(sy - c.y) - 1, int(sy - c.y) + 1).setTo(0);
      CHECK(cv::norm(got, want, cv::NORM_INF, exact) == 0);
    }
  }
}

TEST_CASE("jpeg_copy: complete tile streams with restart markers, and sampling kept") {
  const cv::Mat img = test_image(512, 512);
  for (int restart : {0, 1, 3}) {
    for (int sampling : {1, 2}) {
      INFO("restart " << restart << " sampling " << sampling);
      std::vector<std::vector<unsigned char>> tiles;
      cv::Mat whole(512, 512, CV_8UC3);
      for (int ty = 0; ty < 2; ++ty)
        for (int tx = 0; tx < 2; ++tx) {
          tiles.push_back(encode_tile(img(cv::Rect(tx * 256, ty * 256, 256, 256)), 85, sampling, restart));
          decode(tiles.back()).copyTo(whole(cv::Rect(tx * 256, ty * 256, 256, 256)));
        }
      JpegGrid grid;
      grid.width = grid.height = 512;
      grid.tile_width = grid.tile_height = 256;
      const JpegTileFetch fetch = [&](int64_t col, int64_t row, std::vector<unsigned char>& out) {
        out = tiles[std::size_t(row * 2 + col)];
        return std::optional<std::string>{};
      };
      std::vector<unsigned char> chip;
      bool spliced = false;
      const auto e = jpeg_copy(grid, fetch, 128, 160, 256, 192, chip, nullptr, &spliced);
      REQUIRE_MESSAGE(!e, *e);
      // Restart markers: written from the coefficients; without, the bits copied.
      CHECK(spliced == (restart == 0));
      const cv::Mat got = decode(chip);
      const double p = psnr(got, whole(cv::Rect(128, 160, 256, 192)));
      MESSAGE("restart " << restart << " sampling " << sampling << ": " << p << " dB");
      CHECK(p >= 50);
      // The chip keeps the source's sampling: 4:4:4 chips decode to exactly the source pixels.
      if (sampling == 1) CHECK(cv::norm(got, whole(cv::Rect(128, 160, 256, 192)), cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("jpeg_copy: refusals come back as reasons") {
  const cv::Mat img = test_image(512, 256);
  JpegGrid grid;
  grid.width = 512;
  grid.height = 256;
  grid.tile_width = grid.tile_height = 256;
  std::vector<std::vector<unsigned char>> tiles = {encode_tile(img(cv::Rect(0, 0, 256, 256)), 90, 2, 0),
                                                   encode_tile(img(cv::Rect(256, 0, 256, 256)), 80, 2, 0)};
  const JpegTileFetch fetch = [&](int64_t col, int64_t, std::vector<unsigned char>& out) {
    out = tiles[std::size_t(col)];
    return std::optional<std::string>{};
  };
  std::vector<unsigned char> chip;
  auto refused = [&](int64_t x, int64_t y, int64_t w, int64_t h) {
    const auto e = jpeg_copy(grid, fetch, x, y, w, h, chip);
    return e ? *e : std::string();
  };
  CHECK(refused(0, 0, 128, 128).empty());
  CHECK(refused(192, 0, 128, 128).find("quantisation tables differ") != std::string::npos);
  CHECK(refused(8, 0, 128, 128).find("off the 16x16 JPEG iMCU grid") != std::string::npos);
  CHECK(refused(0, 0, 120, 128).find("off the 16x16") != std::string::npos);
  CHECK(refused(448, 0, 128, 128) == "chip extends past the image");
  CHECK(refused(0, 192, 128, 128) == "chip extends past the image");

  tiles[0] = encode_tile(img(cv::Rect(0, 0, 256, 256)), 90, 2, 0, true);
  CHECK(refused(0, 0, 128, 128).find("progressive") != std::string::npos);
  tiles[0] = {'n', 'o', 't', ' ', 'j', 'p', 'e', 'g'};
  CHECK(refused(0, 0, 128, 128).find("not a readable JPEG stream") != std::string::npos);
  tiles[0] = encode_tile(img(cv::Rect(0, 0, 256, 256)), 90, 2, 0);
  tiles[0].resize(tiles[0].size() / 2);  // truncated: libjpeg warns and pads; a warning is an error here
  CHECK(refused(0, 0, 128, 128).find("corrupt JPEG data") != std::string::npos);
  tiles[0] = encode_tile(img(cv::Rect(0, 0, 128, 256)), 90, 2, 0);  // narrower than the grid's tiles
  CHECK(refused(0, 0, 128, 128).find("a JPEG tile of 128x256 pixels") != std::string::npos);
  tiles[0] = encode_tile(img(cv::Rect(0, 0, 256, 256)), 80, 1, 0);
  CHECK(refused(192, 0, 128, 128).find("sampling differ") != std::string::npos);
  // A fetch error is passed on with the tile named.
  const JpegTileFetch failing = [](int64_t, int64_t, std::vector<unsigned char>&) {
    return std::optional<std::string>("read error");
  };
  const auto e = jpeg_copy(grid, failing, 0, 0, 128, 128, chip);
  REQUIRE(e);
  CHECK(*e == "tile (column 0, row 0): read error");
}

TEST_CASE("jpeg_copy: tiles with Huffman tables of their own: spliced alone, from coefficients together") {
  const cv::Mat img = test_image(512, 256);
  JpegGrid grid;
  grid.width = 512;
  grid.height = 256;
  grid.tile_width = grid.tile_height = 256;
  const std::vector<std::vector<unsigned char>> tiles = {
      encode_tile(img(cv::Rect(0, 0, 256, 256)), 90, 1, 0, false, true),
      encode_tile(img(cv::Rect(256, 0, 256, 256)), 90, 1, 0, false, true)};
  const JpegTileFetch fetch = [&](int64_t col, int64_t, std::vector<unsigned char>& out) {
    out = tiles[std::size_t(col)];
    return std::optional<std::string>{};
  };
  JpegTileCache cache(16 << 20);
  std::vector<unsigned char> chip, again;
  bool spliced = true;
  // Within one tile: its own tables, its bits.
  REQUIRE(!jpeg_copy(grid, fetch, 0, 0, 128, 128, chip, &cache, &spliced));
  CHECK(spliced);
  // Across both: the tables differ, so from the coefficients; the cached indexes are replaced by them,
  // and the same chip again comes from the cache alike.
  REQUIRE(!jpeg_copy(grid, fetch, 192, 64, 128, 128, chip, &cache, &spliced));
  CHECK(!spliced);
  REQUIRE(!jpeg_copy(grid, fetch, 192, 64, 128, 128, again, &cache, &spliced));
  CHECK(!spliced);
  CHECK(chip == again);
  cv::Mat whole(256, 512, CV_8UC3);
  decode(tiles[0]).copyTo(whole(cv::Rect(0, 0, 256, 256)));
  decode(tiles[1]).copyTo(whole(cv::Rect(256, 0, 256, 256)));
  CHECK(cv::norm(decode(chip), whole(cv::Rect(192, 64, 128, 128)), cv::NORM_INF) == 0);
}
