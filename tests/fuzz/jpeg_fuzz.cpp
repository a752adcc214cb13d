// libFuzzer target: dschip's whole-image decoding (read_whole_image: JPEG through libjpeg with warnings as
// errors, behind an error manager that longjmps; other formats through OpenCV) on a file in memory, in colour
// and in grey, and the same bytes as a chip --resume checks without chips.tsv. Properties: a decoded image
// has the type asked and at most the budget's pixels; never a crash, a leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/chip.h"
#include "dskit/image/cv_source.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using dskit::fuzz::check;
  constexpr uint64_t kBudget = uint64_t{1} << 22;
  const dskit::fuzz::MemFile file(data, size);
  for (const int flags : {cv::IMREAD_COLOR, cv::IMREAD_GRAYSCALE}) {
    cv::Mat out;
    if (dskit::image::read_whole_image(file.path(), flags, kBudget, out)) continue;
    check(!out.empty() && uint64_t(out.total()) <= kBudget, "a decoded image is within the budget");
    check(out.type() == (flags == cv::IMREAD_COLOR ? CV_8UC3 : CV_8UC1),
          "a decoded image has the type asked");
  }
  std::string hash;
  (void)dskit::image::check_kept_chip(std::span<const unsigned char>(data, size), nullptr, 16, 16, hash);
  return 0;
}
