#include "dskit/image/chip_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <opencv2/imgcodecs.hpp>

#include "dskit/base/enum_names.h"
#include "dskit/base/fileio.h"

namespace dskit::image {

constexpr EnumName<ChipFormat> kChipFormats[] = {{ChipFormat::jpg, "jpg"},   {ChipFormat::png, "png"},
                                                 {ChipFormat::webp, "webp"}, {ChipFormat::tiff, "tiff"},
                                                 {ChipFormat::jpg, "jpeg"},  {ChipFormat::tiff, "tif"}};

std::optional<ChipFormat> parse_chip_format(std::string_view s) {
  return parse_enum(kChipFormats, s);
}

std::string_view chip_extension(ChipFormat f) {
  return enum_name(kChipFormats, f, "jpg");
}

bool encode_chip(const cv::Mat& bgr, ChipFormat f, int quality, std::vector<unsigned char>& out) {
  const int q = quality < 0 ? 90 : quality;
  std::vector<int> params;
  switch (f) {
    case ChipFormat::jpg:
      params = {cv::IMWRITE_JPEG_QUALITY, q};
      return cv::imencode(".jpg", bgr, out, params);
    case ChipFormat::png:
      params = {cv::IMWRITE_PNG_COMPRESSION, 1};
      return cv::imencode(".png", bgr, out, params);
    case ChipFormat::webp:
      params = {cv::IMWRITE_WEBP_QUALITY, q};
      return cv::imencode(".webp", bgr, out, params);
    case ChipFormat::tiff:
      return cv::imencode(".tiff", bgr, out, params);
  }
  return false;
}

namespace {

std::string_view bytes(std::span<const unsigned char> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// An unnamed file (O_TMPFILE) given its name only when complete: one directory operation per chip instead
// of three (create the temporary, then rename). 1 when this path cannot be used here (no O_TMPFILE, no /proc,
// or the name exists: --resume replacing a damaged chip), so the caller falls back to temporary + rename.
int write_unnamed(int dirfd, const std::string& name, std::span<const unsigned char> data, struct stat* st) {
  const int fd = ::openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return errno == ENOSPC || errno == EDQUOT || errno == EROFS || errno == EACCES ? errno : 1;
  int err = write_all(fd, bytes(data));
  if (err == 0 && st && ::fstat(fd, st) != 0) err = errno;
  bool linked = false;
  if (err == 0) {
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    if (::linkat(AT_FDCWD, proc.c_str(), dirfd, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
      linked = true;
    else
      err = errno == EEXIST || errno == ENOENT || errno == EPERM || errno == EXDEV ? 1 : errno;
  }
  // Until linked the file has no name, so a failure leaves nothing behind; a failed close after the link
  // removes the name again.
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0 && linked) ::unlinkat(dirfd, name.c_str(), 0);
  return err;
}

}  // namespace

std::optional<PathError> write_file_atomically(int dirfd, const std::string& dir, const std::string& name,
                                               std::span<const unsigned char> data, struct stat* st) {
  const std::string final_path = dir + "/" + name;
  const int unnamed = write_unnamed(dirfd, name, data, st);
  if (unnamed == 0) return std::nullopt;
  if (unnamed != 1) return PathError{final_path, unnamed, "write"};
  // The fallback: a random temporary name (base/fileio's scheme), created exclusively, never through a link.
  const std::string tmp = temp_name_for(name);
  const int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return PathError{final_path, errno, "create"};
  int err = write_all(fd, bytes(data));
  if (err == 0 && st && ::fstat(fd, st) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return PathError{final_path, err, "write"};
  }
  return std::nullopt;
}

}  // namespace dskit::image
