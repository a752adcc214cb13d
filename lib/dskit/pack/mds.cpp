// The MDS writer of parts.h: MosaicML Streaming's shard layout (format version 2, "bytes" columns) and its
// index.json, written as their reader (streaming/base/format/mds) expects them.
#include <fmt/format.h>

#include <cstring>

#include "dskit/base/fileio.h"
#include "dskit/base/json.h"
#include "dskit/pack/parts.h"

namespace dskit::pack {

namespace {

void put_u32(std::string& out, uint64_t v) {
  const uint32_t x = static_cast<uint32_t>(v);
  char b[4];
  std::memcpy(b, &x, 4);  // little-endian, as numpy's uint32 on the hosts MDS runs on
  out.append(b, 4);
}

}  // namespace

MdsWriter::MdsWriter(int dirfd, std::string dir, std::vector<std::string> columns, uint64_t size_limit,
                     uint64_t samples_per_shard)
    : dirfd_(dirfd),
      dir_(std::move(dir)),
      columns_(std::move(columns)),
      size_limit_(size_limit),
      samples_per_shard_(samples_per_shard) {
  config_ = config_json();
}

// The shard's config as Python's json.dumps(obj, sort_keys=True) writes it (", " and ": " separators);
// column names are plain ASCII (checked by the caller).
std::string MdsWriter::config_json() const {
  std::string enc, names, sizes;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const char* sep = i ? ", " : "";
    enc += fmt::format("{}\"bytes\"", sep);
    names += fmt::format("{}\"{}\"", sep, columns_[i]);
    sizes += fmt::format("{}null", sep);
  }
  return fmt::format(
      "{{\"column_encodings\": [{}], \"column_names\": [{}], \"column_sizes\": [{}], \"compression\": null, "
      "\"format\": \"mds\", \"hashes\": [], \"size_limit\": {}, \"version\": 2}}",
      enc, names, sizes, size_limit_);
}

std::optional<PathError> MdsWriter::add(const std::vector<OutMember>& members, std::string_view key,
                                        std::string_view label, Manifest& index) {
  uint64_t bytes = 4 * members.size();
  for (const auto& m : members) bytes += m.data.size();
  const uint64_t head = 4 + 4 * (ends_.size() + 2) + config_.size();
  if (!ends_.empty() && ((samples_per_shard_ && ends_.size() >= samples_per_shard_) ||
                         head + body_.size() + bytes > size_limit_))
    if (auto e = flush(index)) return e;
  Pending p{std::string(key), std::string(label), {}};
  for (const auto& m : members) put_u32(body_, m.data.size());
  for (const auto& m : members) {
    p.rows.push_back({std::string(m.name), std::string(m.hex), m.data.size(), body_.size(), m.file});
    body_.append(m.data);
  }
  ends_.push_back(body_.size());
  pending_.push_back(std::move(p));
  return std::nullopt;
}

std::optional<PathError> MdsWriter::flush(Manifest& index) {
  if (ends_.empty()) return std::nullopt;
  const std::string name = fmt::format("shard.{:05}.mds", shards_.size());
  const uint64_t head = 4 + 4 * (ends_.size() + 1) + config_.size();
  std::string file;
  file.reserve(head + body_.size());
  put_u32(file, ends_.size());
  put_u32(file, head);
  for (uint64_t e : ends_) put_u32(file, head + e);
  file += config_;
  file += body_;
  if (file.size() > UINT32_MAX)
    return PathError{dir_ + "/" + name, EFBIG, "write", "an MDS shard holds at most 4 GiB"};
  if (auto e = write_file_atomic_at(dirfd_, name, dir_ + "/" + name, file, {.durability = Durability::none}))
    return e;
  for (const auto& p : pending_)
    for (const auto& r : p.rows)
      add_index_row(index, r.name, r.size, r.hex, p.label, name, head + r.offset, p.key, r.file);
  shards_.push_back({name, ends_.size(), file.size()});
  ends_.clear();
  body_.clear();
  pending_.clear();
  return std::nullopt;
}

std::optional<PathError> MdsWriter::finish(Manifest& index) {
  return flush(index);
}

std::string MdsWriter::index_json() const {
  std::string out;
  JsonWriter j(out);
  j.object().key("shards").array();
  for (const auto& s : shards_) {
    j.object();
    j.key("column_encodings").array();
    for (std::size_t i = 0; i < columns_.size(); ++i) j.value("bytes");
    j.end_array().key("column_names").array();
    for (const auto& c : columns_) j.value(c);
    j.end_array().key("column_sizes").array();
    for (std::size_t i = 0; i < columns_.size(); ++i) j.null();
    j.end_array();
    j.key("compression").null().key("format").value("mds").key("hashes").array().end_array();
    j.key("raw_data").object().key("basename").value(s.name).key("bytes").value(s.bytes);
    j.key("hashes").object().end_object().end_object();
    j.key("samples").value(s.samples).key("size_limit").value(size_limit_).key("version").value(2);
    j.key("zip_data").null();
    j.end_object();
  }
  j.end_array().key("version").value(2).end_object();
  out += '\n';
  return out;
}

}  // namespace dskit::pack
