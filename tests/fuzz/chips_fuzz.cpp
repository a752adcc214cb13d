// libFuzzer target: what dschip --resume reads back from an earlier run: OUT/chips.tsv (also given as an
// input list, the way dschip reads a manifest of images) and an existing chip file. The input is
// "chips.tsv \n--8<--\n bytes of the first chip". Property: whatever was left in OUT, a resumed run over
// the same image ends with no error for the image and with every chip either exactly as a fresh run writes
// it or exactly as the chips.tsv it resumed from records it (size and XXH3-128: --resume trusts chips.tsv,
// never a chip that merely decodes to the right size; a damaged or foreign chip is rewritten).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "dskit/hash/hash.h"
#include "dskit/image/chip.h"
#include "dskit/manifest/manifest.h"
#include "fuzz_support.h"

namespace {

namespace fs = std::filesystem;
using dskit::fuzz::check;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A 32x16 PNG source, chipped into two 16x16 PNG chips, and the chips of a fresh run.
struct Setup {
  dskit::fuzz::ScratchDir dir;
  std::string image, out;
  dskit::image::ChipOptions opts;
  std::vector<std::pair<fs::path, std::string>> chips;  // relative path, bytes of a fresh run

  Setup() {
    image = dir.path() + "/src.png";
    out = dir.path() + "/out";
    cv::Mat m(16, 32, CV_8UC3);
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x)
        m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 8), uchar(y * 16), uchar(x ^ y));
    check(cv::imwrite(image, m), "write the source image");
    opts.size = {16, 16};
    opts.format = dskit::image::ChipFormat::png;
    opts.use_mask = false;
    opts.out_dir = out;
    opts.threads = 1;
    // run_chips writes into an existing OUT (dschip creates it before the run).
    check(fs::create_directory(out), "create OUT");
    const auto r = dskit::image::run_chips({image}, opts, nullptr);
    check(r.images.size() == 1 && r.images[0].error.empty() && !r.output_error && !r.manifest_error,
          "a fresh run chips the image");
    check(r.chips == 2, "a fresh run writes two chips");
    for (const auto& e : fs::recursive_directory_iterator(out))
      if (e.is_regular_file() && e.path().filename() != "chips.tsv")
        chips.emplace_back(fs::relative(e.path(), out), read_file(e.path()));
    check(chips.size() == 2, "two chip files");
    std::sort(chips.begin(), chips.end());
    opts.resume = true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const Setup s;
  std::error_code ec;
  fs::remove_all(s.out, ec);
  const auto parts = dskit::fuzz::split_parts(data, size, "\n--8<--\n", 2);
  s.dir.write("out/chips.tsv", parts[0]);
  if (parts.size() > 1) s.dir.write(("out" / s.chips[0].first).string(), parts[1]);

  // chips.tsv as an input list: expanded (read as a manifest) but not chipped.
  std::vector<dskit::PathError> errors, below;
  (void)dskit::image::expand_inputs({s.out + "/chips.tsv"}, errors, below);

  const auto r = dskit::image::run_chips({s.image}, s.opts, nullptr);
  check(r.images.size() == 1 && r.images[0].error.empty(), "the source image chips without error");
  check(!r.output_error && !r.manifest_error && r.chips == 2, "a resumed run ends with two chips");
  dskit::Manifest before;  // what the resumed run was told (may be refused: then it vouches for nothing)
  const bool have_before = !dskit::parse_manifest(std::string(parts[0]), "chips.tsv", {}, before);
  for (const auto& [rel, bytes] : s.chips) {
    const std::string now = read_file(fs::path(s.out) / rel);
    if (now == bytes) continue;
    bool vouched = false;
    if (have_before && before.hash == dskit::HashAlgo::xxh3_128)
      for (std::size_t r = 0; r < before.size() && !vouched; ++r) {
        if (before.path(r) != rel.string() || before.file_size(r) != now.size()) continue;
        std::string hex;
        dskit::append_hash_hex(hex, now, dskit::HashAlgo::xxh3_128);
        vouched = before.hash_hex(r) == hex;
      }
    check(vouched, "every chip after --resume is the fresh chip or the one chips.tsv records");
  }
  return 0;
}
