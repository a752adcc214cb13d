// libFuzzer target: dschip --jpeg-copy on crafted tile streams (jpeg_copy: libjpeg's header reader, the scan
// index and splice of jpeg_scan, the coefficient path). The input is the JPEG stream of every tile of a
// 2 x 2 grid of 64 x 64 tiles; chips spanning one, two and four tiles are cut, through a tile cache and
// without. Properties: a chip that is made decodes without a libjpeg warning to an image of its size (what
// `dschip --resume` asks of a chip it keeps); never a crash, a hang, a leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <span>
#include <string>

#include "dskit/image/chip.h"
#include "dskit/image/jpeg_copy.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using dskit::fuzz::check;
  using namespace dskit::image;
  if (size > (std::size_t{1} << 20)) return 0;
  const std::vector<unsigned char> tile(data, data + size);
  JpegGrid grid;
  grid.width = grid.height = 128;
  grid.tile_width = grid.tile_height = 64;
  const JpegTileFetch fetch = [&](int64_t, int64_t, std::vector<unsigned char>& out) {
    out = tile;
    return std::optional<std::string>{};
  };
  struct Chip {
    int64_t x, y, w, h;
  };
  JpegTileCache cache(std::size_t{8} << 20);
  for (const Chip c :
       {Chip{0, 0, 64, 64}, Chip{16, 32, 48, 32}, Chip{32, 16, 64, 64}, Chip{0, 0, 128, 128}}) {
    for (JpegTileCache* use : {&cache, static_cast<JpegTileCache*>(nullptr)}) {
      std::vector<unsigned char> chip;
      if (jpeg_copy(grid, fetch, c.x, c.y, c.w, c.h, chip, use)) continue;
      std::string hash;
      check(check_kept_chip(std::span<const unsigned char>(chip), nullptr, int(c.w), int(c.h), hash),
            "a chip made decodes without a warning to its size");
    }
  }
  return 0;
}
