// libFuzzer target: dschip's TIFF source (libtiff behind open_tiff) on a file in memory: open, then read a
// small region at two corners of every level, as dschip's workers do (never a whole level). The decoding
// budget is 2^24 pixels (dschip's default is 2^28): a tile or strip above it must be refused before its
// buffer exists, and libFuzzer's -rss_limit_mb makes any allocation a header dictates a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "dskit/image/tiff_source.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const dskit::fuzz::MemFile file(data, size);
  std::string err;
  const auto src = dskit::image::open_tiff(file.path(), err, uint64_t{1} << 24);
  if (!src) return 0;
  dskit::fuzz::check(!src->levels().empty(), "an opened TIFF has a level");
  const auto reader = src->reader(std::size_t{4} << 20);
  cv::Mat out;
  const auto& levels = src->levels();
  for (std::size_t l = 0; l < levels.size() && l < 4; ++l) {
    const auto& lv = levels[l];
    if (lv.width <= 0 || lv.height <= 0) continue;
    const int w = static_cast<int>(std::min<int64_t>(lv.width, 32));
    const int h = static_cast<int>(std::min<int64_t>(lv.height, 32));
    if (!reader->read(l, 0, 0, w, h, out))
      dskit::fuzz::check(out.cols == w && out.rows == h && out.type() == CV_8UC3,
                         "a region has the size asked");
    (void)reader->read(l, lv.width - w, lv.height - h, w, h, out);
  }
  return 0;
}
