#include "dskit/image/source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "dskit/base/enum_names.h"
#include "dskit/image/cv_source.h"
#include "dskit/image/slide_source.h"
#include "dskit/image/tiff_source.h"

namespace dskit::image {

constexpr EnumName<ReaderKind> kReaderKinds[] = {{ReaderKind::automatic, "auto"},
                                                 {ReaderKind::tiff, "tiff"},
                                                 {ReaderKind::openslide, "openslide"},
                                                 {ReaderKind::opencv, "opencv"}};

std::optional<ReaderKind> parse_reader_kind(std::string_view s) {
  return parse_enum(kReaderKinds, s);
}

std::size_t best_level(const std::vector<Level>& levels, double target) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].downsample <= target * 1.001 && levels[i].downsample > levels[best].downsample) best = i;
  return best;
}

namespace {

std::string lower_extension(const std::string& path) {
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string e = path.substr(dot + 1);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return e;
}

bool has_tiff_magic(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::array<unsigned char, 4> b{};
  const bool ok = ::read(fd, b.data(), b.size()) == 4;
  ::close(fd);
  return ok && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
                (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43)));
}

}  // namespace

std::unique_ptr<ImageSource> open_image(const std::string& path, ReaderKind kind, std::string& err,
                                        uint64_t max_pixels) {
  if (::access(path.c_str(), R_OK) != 0) {
    err = std::strerror(errno);
    return nullptr;
  }
  switch (kind) {
    case ReaderKind::tiff:
      return open_tiff(path, err);
    case ReaderKind::openslide:
      return open_slide(path, err);
    case ReaderKind::opencv:
      return open_cv_image(path, err, max_pixels);
    case ReaderKind::automatic:
      break;
  }
  static constexpr std::array<std::string_view, 9> vendor = {"svs", "ndpi", "mrxs",    "scn",    "vms",
                                                             "vmu", "bif",  "svslide", "isyntax"};
  const std::string ext = lower_extension(path);
  if (std::find(vendor.begin(), vendor.end(), ext) != vendor.end()) return open_slide(path, err);
  if (has_tiff_magic(path)) {
    std::string tiff_err;
    if (auto s = open_tiff(path, tiff_err)) return s;
    if (slide_detect(path)) return open_slide(path, err);
    err = tiff_err;
    return nullptr;
  }
  if (slide_detect(path)) return open_slide(path, err);
  return open_cv_image(path, err, max_pixels);
}

}  // namespace dskit::image
