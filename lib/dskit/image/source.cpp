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

// The first bytes of PATH (`got` of them: fewer for a shorter file), or the errno value when it cannot be
// opened or read, so that a failing disk is reported as such and not as an unknown format.
int read_header(const std::string& path, std::array<unsigned char, 4>& b, std::size_t& got) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  ssize_t n;
  do n = ::read(fd, b.data(), b.size());
  while (n < 0 && errno == EINTR);
  const int e = n < 0 ? errno : 0;
  ::close(fd);
  got = n > 0 ? static_cast<std::size_t>(n) : 0;
  return e;
}

bool is_tiff_magic(const std::array<unsigned char, 4>& b, std::size_t got) {
  return got == 4 && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
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
      return open_tiff(path, err, max_pixels);
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
  std::array<unsigned char, 4> head{};
  std::size_t got = 0;
  if (const int e = read_header(path, head, got)) {
    err = std::strerror(e);
    return nullptr;
  }
  if (is_tiff_magic(head, got)) {
    std::string tiff_err;
    if (auto s = open_tiff(path, tiff_err, max_pixels)) return s;
    if (slide_detect(path)) return open_slide(path, err);
    err = tiff_err;
    return nullptr;
  }
  if (slide_detect(path)) return open_slide(path, err);
  return open_cv_image(path, err, max_pixels);
}

}  // namespace dskit::image
