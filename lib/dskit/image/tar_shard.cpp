#include "dskit/image/tar_shard.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dskit::image {

namespace {

void put_octal(char* field, std::size_t len, uint64_t v) {
  // len-1 octal digits, zero-padded, then NUL.
  const std::string s = fmt::format("{:0{}o}", v, len - 1);
  std::memcpy(field, s.data(), len - 1);
  field[len - 1] = '\0';
}

}  // namespace

bool append_tar_member(std::string& out, std::string_view name, std::span<const unsigned char> data,
                       int64_t mtime_s) {
  char h[512] = {};
  std::string_view prefix, base = name;
  if (name.size() > 100) {
    const auto slash = name.rfind('/', 155);
    if (slash == std::string_view::npos || name.size() - slash - 1 > 100) return false;
    prefix = name.substr(0, slash);
    base = name.substr(slash + 1);
  }
  std::memcpy(h, base.data(), base.size());
  put_octal(h + 100, 8, 0644);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, data.size());
  put_octal(h + 136, 12, uint64_t(mtime_s));
  std::memset(h + 148, ' ', 8);
  h[156] = '0';
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  if (!prefix.empty()) std::memcpy(h + 345, prefix.data(), prefix.size());
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  const std::string ck = fmt::format("{:06o}", sum);
  std::memcpy(h + 148, ck.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  out.append(h, sizeof h);
  out.append(reinterpret_cast<const char*>(data.data()), data.size());
  out.append((512 - data.size() % 512) % 512, '\0');
  return true;
}

TarShardWriter::~TarShardWriter() {
  abandon();
}

void TarShardWriter::abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
  }
}

std::optional<PathError> TarShardWriter::open_next() {
  name_ = fmt::format("shard-{:06}.tar", index_++);
  tmp_ = dir_ + "/." + name_ + ".tmp";
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return PathError{dir_ + "/" + name_, errno, "create"};
  in_shard_ = 0;
  buf_.clear();
  return std::nullopt;
}

std::optional<PathError> TarShardWriter::flush(bool all) {
  if (!all && buf_.size() < (std::size_t{4} << 20)) return std::nullopt;
  std::size_t done = 0;
  while (done < buf_.size()) {
    const ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      abandon();
      return PathError{dir_ + "/" + name_, e, "write"};
    }
    done += std::size_t(n);
  }
  buf_.clear();
  return std::nullopt;
}

std::optional<PathError> TarShardWriter::close_current() {
  buf_.append(1024, '\0');  // end-of-archive: two zero blocks
  if (auto e = flush(true)) return e;
  const int fd = fd_;
  fd_ = -1;
  int err = 0;
  if (::close(fd) != 0) err = errno;
  const std::string final_path = dir_ + "/" + name_;
  if (err == 0 && ::rename(tmp_.c_str(), final_path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp_.c_str());
    return PathError{final_path, err, "write"};
  }
  return std::nullopt;
}

std::optional<PathError> TarShardWriter::add(std::string_view name, std::span<const unsigned char> data,
                                             std::string& shard) {
  if (fd_ >= 0 && in_shard_ >= per_shard_)
    if (auto e = close_current()) return e;
  if (fd_ < 0)
    if (auto e = open_next()) return e;
  if (!append_tar_member(buf_, name, data, 0))
    return PathError{std::string(name), ENAMETOOLONG, "tar member"};
  ++in_shard_;
  shard = name_;
  return flush(false);
}

std::optional<PathError> TarShardWriter::finish() {
  if (fd_ < 0) return std::nullopt;
  return close_current();
}

}  // namespace dskit::image
