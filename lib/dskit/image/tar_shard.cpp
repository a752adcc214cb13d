#include "dskit/image/tar_shard.h"

#include <fmt/format.h>

#include <cerrno>
#include <string>

#include "dskit/tar/writer.h"

namespace dskit::image {

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
  tar::append_end(buf_);
  if (auto e = flush(true)) return e;
  return file_.commit();
}

std::optional<PathError> TarShardWriter::add(std::string_view name, std::span<const unsigned char> data,
                                             std::string& shard) {
  if (file_.is_open() && in_shard_ >= per_shard_)
    if (auto e = close_current()) return e;
  if (!file_.is_open())
    if (auto e = open_next()) return e;
  if (!tar::append_member(buf_, name, data, 0))
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
