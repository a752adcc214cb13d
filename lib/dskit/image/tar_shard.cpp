#include "dskit/image/tar_shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace dskit::image {

namespace {

void put_octal(char* field, std::size_t len, uint64_t v) {
  // len-1 octal digits, zero-padded, then NUL.
  const std::string s = fmt::format("{:0{}o}", v, len - 1);
  std::memcpy(field, s.data(), len - 1);
  field[len - 1] = '\0';
}

}  // namespace

namespace {

void append_header(std::string& out, std::string_view name, std::string_view prefix, uint64_t size,
                   int64_t mtime_s, char type) {
  char h[512] = {};
  std::memcpy(h, name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(h + 100, 8, 0644);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, size);
  put_octal(h + 136, 12, uint64_t(mtime_s));
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  if (!prefix.empty()) std::memcpy(h + 345, prefix.data(), std::min<std::size_t>(prefix.size(), 155));
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  const std::string ck = fmt::format("{:06o}", sum);
  std::memcpy(h + 148, ck.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  out.append(h, sizeof h);
}

void append_data(std::string& out, std::string_view data) {
  out.append(data);
  out.append((512 - data.size() % 512) % 512, '\0');
}

// One pax record "LEN path=NAME\n", LEN counting its own digits.
std::string pax_path_record(std::string_view name) {
  const std::size_t body = name.size() + 7;  // " path=" and "\n"
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  return std::to_string(len) + " path=" + std::string(name) + "\n";
}

}  // namespace

bool append_tar_member(std::string& out, std::string_view name, std::span<const unsigned char> data,
                       int64_t mtime_s) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return false;
  std::string_view prefix, base = name;
  if (name.size() > 100) {
    const auto slash = name.rfind('/', 155);
    if (slash != std::string_view::npos && name.size() - slash - 1 <= 100 && slash > 0) {
      prefix = name.substr(0, slash);
      base = name.substr(slash + 1);
    } else {
      // A pax extended header carries the whole name (POSIX.1-2001; GNU tar, bsdtar and Python's tarfile
      // read it); the ustar header keeps the name's first 100 bytes for readers that do not.
      const std::string rec = pax_path_record(name);
      append_header(out, "PaxHeaders/" + std::string(name.substr(0, 89)), {}, rec.size(), mtime_s, 'x');
      append_data(out, rec);
      base = name.substr(0, 100);
    }
  }
  append_header(out, base, prefix, data.size(), mtime_s, '0');
  append_data(out, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  return true;
}

TarShardWriter::~TarShardWriter() {
  abandon();
}

void TarShardWriter::abandon() {
  file_.abort();
}

std::optional<PathError> TarShardWriter::open_next() {
  name_ = fmt::format("shard-{:06}.tar", index_++);
  // A name dschip picks in its own output directory: replaced, never written through; no fsync.
  if (auto e = file_.open(dir_ + "/" + name_, {.durability = Durability::none, .write_through = false}))
    return e;
  in_shard_ = 0;
  buf_.clear();
  return std::nullopt;
}

std::optional<PathError> TarShardWriter::flush(bool all) {
  if (!all && buf_.size() < (std::size_t{4} << 20)) return std::nullopt;
  if (auto e = file_.write(buf_)) {
    abandon();
    return e;
  }
  buf_.clear();
  return std::nullopt;
}

std::optional<PathError> TarShardWriter::close_current() {
  buf_.append(1024, '\0');  // end-of-archive: two zero blocks
  if (auto e = flush(true)) return e;
  return file_.commit();
}

std::optional<PathError> TarShardWriter::add(std::string_view name, std::span<const unsigned char> data,
                                             std::string& shard) {
  if (file_.is_open() && in_shard_ >= per_shard_)
    if (auto e = close_current()) return e;
  if (!file_.is_open())
    if (auto e = open_next()) return e;
  if (!append_tar_member(buf_, name, data, 0))
    return PathError{std::string(name), ENAMETOOLONG, "tar member"};
  ++in_shard_;
  shard = name_;
  return flush(false);
}

std::optional<PathError> TarShardWriter::finish() {
  if (!file_.is_open()) return std::nullopt;
  return close_current();
}

}  // namespace dskit::image
