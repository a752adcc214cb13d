// The pack's indexes: WebDataset keys, index.tsv (written and loaded through the manifest module), wids'
// shardindex.json and DALI's per-shard .idx text.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>

#include "dskit/base/fileio.h"
#include "dskit/base/json.h"
#include "dskit/hash/hash.h"
#include "dskit/pack/pack.h"
#include "dskit/pack/parts.h"

namespace dskit::pack {

std::optional<KeyExt> split_key(std::string_view name) {
  const auto slash = name.rfind('/');
  const std::size_t base = slash == std::string_view::npos ? 0 : slash + 1;
  const auto dot = name.find('.', base);
  if (dot == std::string_view::npos || dot == base || dot + 1 == name.size()) return std::nullopt;
  return KeyExt{name.substr(0, dot), name.substr(dot + 1)};
}

std::string shard_name(std::size_t index, std::string_view series) {
  return fmt::format("{}-{:06}.tar", series.empty() ? std::string_view("shard") : series, index);
}

bool series_name_ok(std::string_view v) {
  if (v.empty() || v.front() == '.' || v.size() > 200) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

Manifest index_manifest(const std::string& root, std::string_view by) {
  Manifest m;
  m.root = root;
  m.hash = HashAlgo::xxh3_128;
  m.add_column(column::path);
  m.add_column(column::size);
  m.add_column(hash_column(HashAlgo::xxh3_128));
  m.add_column(column::label);
  m.add_column(kShardCol);
  m.add_column(kOffsetCol);
  m.add_column(kKeyCol);
  m.add_column(kOriginCol);
  if (!by.empty()) m.add_column(std::string(by));
  return m;
}

void add_index_row(Manifest& m, std::string_view name, uint64_t size, std::string_view hex,
                   std::string_view label, std::string_view shard, uint64_t offset, std::string_view key,
                   bool file, std::string_view split) {
  const std::size_t r = m.add_row();
  m.set_cell_raw(r, std::size_t(m.path_col()), name);
  m.set_cell_uint(r, std::size_t(m.size_col()), size);
  m.set_cell(r, std::size_t(m.hash_col()), hex);
  m.set_cell_raw(r, std::size_t(m.label_col()), label);
  m.set_cell_raw(r, 4, shard);
  m.set_cell_uint(r, 5, offset);
  m.set_cell_raw(r, 6, key);
  m.set_cell(r, 7, file ? "file" : "label");
  if (m.num_columns() > 8) m.set_cell_raw(r, 8, split);
}

std::optional<PathError> write_indexes(int dirfd, const std::string& dir, const Manifest& index,
                                       const std::vector<ShardInfo>& shards,
                                       std::vector<std::string>& warnings) {
  for (const auto& s : shards) {
    const std::string idx = s.name.substr(0, s.name.size() - 4) + ".idx";
    if (s.dali.empty()) {
      warnings.push_back(s.name + ": no DALI index written (a member name holds white space)");
      continue;
    }
    if (auto e = write_file_atomic_at(dirfd, idx, dir + "/" + idx, s.dali, {.durability = Durability::none}))
      return e;
  }
  // One wids index per series, its shards in order (the shards of a series are consecutive).
  for (std::size_t i = 0; i == 0 || i < shards.size();) {
    const std::string series = shards.empty() ? std::string() : shards[i].series;
    std::string json;
    {
      JsonWriter j(json);
      j.object().key("__kind__").value("wids-shard-index-v1").key("wids_version").value(1);
      j.key("shardlist").array();
      for (; i < shards.size() && shards[i].series == series; ++i)
        j.object()
            .key("url")
            .value(shards[i].name)
            .key("nsamples")
            .value(shards[i].samples)
            .key("filesize")
            .value(shards[i].bytes)
            .end_object();
      j.end_array().end_object();
    }
    json += '\n';
    const std::string name = series.empty() ? std::string(kShardIndexName) : series + "." + kShardIndexName;
    if (auto e = write_file_atomic_at(dirfd, name, dir + "/" + name, json)) return e;
    if (shards.empty()) break;
  }
  return write_index_tsv(dirfd, dir, index);
}

std::optional<PathError> write_index_tsv(int dirfd, const std::string& dir, const Manifest& index) {
  std::string text;
  serialize_manifest(index, text);
  return write_file_atomic_at(dirfd, kIndexName, dir + "/" + kIndexName, text);
}

std::optional<std::string> load_index(const std::string& dir, Index& out) {
  const std::string file = dir + "/" + kIndexName;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 && errno == ENOENT) return dir + ": " + std::strerror(ENOENT);
  if (auto e = load_manifest(
          file, {.root_override = {}, .allow_outside_root = false, .outside_root_hint = false}, out.m))
    return describe(*e);
  out.shard = out.m.find_column(kShardCol);
  out.offset = out.m.find_column(kOffsetCol);
  out.key = out.m.find_column(kKeyCol);
  out.origin = out.m.find_column(kOriginCol);
  if (out.m.path_col() < 0 || out.m.size_col() < 0 || out.m.hash_col() < 0 ||
      out.m.hash != HashAlgo::xxh3_128 || out.shard < 0 || out.offset < 0 || out.key < 0 || out.origin < 0)
    return file + ": not a dspack index (columns path, size, xxh3_128, shard, offset, key, origin)";
  for (std::size_t r = 0; r < out.m.size(); ++r)
    if (!plain_name(unescape_field(out.m.cell(r, std::size_t(out.shard)))))
      return fmt::format("{}:{}: the shard is not a plain file name", file, r + 3);
  return std::nullopt;
}

bool plain_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) return false;
  return std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace dskit::pack
