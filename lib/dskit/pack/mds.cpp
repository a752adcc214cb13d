// The MDS writer of parts.h: MosaicML Streaming's shard layout (format version 2, "bytes" columns) and its
// index.json, written as their reader (streaming/base/format/mds) expects them.
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dskit/base/fileio.h"
#include "dskit/base/json.h"
#include "dskit/hash/hash.h"
#include "dskit/pack/parts.h"

namespace dskit::pack {

namespace {

void put_u32(std::string& out, uint64_t v) {
  const uint32_t x = static_cast<uint32_t>(v);
  char b[4];
  std::memcpy(b, &x, 4);  // little-endian, as numpy's uint32 on the hosts MDS runs on
  out.append(b, 4);
}

constexpr std::size_t kChunk = std::size_t{1} << 20;  // a streamed member's read size; body_'s spill size

// An unnamed file beneath the directory DIRFD (O_TMPFILE, else a created name removed at once); -errno.
int open_spill(int dirfd) {
  int fd = ::openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd >= 0 ? fd : -errno;
  for (int i = 0; i < 100; ++i) {
    const std::string name = fmt::format(".dspack-spill-{}-{}", ::getpid(), i);
    fd = ::openat(dirfd, name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::unlinkat(dirfd, name.c_str(), 0);
      return fd;
    }
    if (errno != EEXIST) break;
  }
  return -errno;
}

}  // namespace

MdsWriter::~MdsWriter() {
  if (spill_ >= 0) ::close(spill_);
}

std::optional<PathError> MdsWriter::spill_body() {
  if (spill_ < 0) {
    spill_ = open_spill(dirfd_);
    if (spill_ < 0) {
      const int err = -spill_;
      spill_ = -1;
      return spill_error(err);
    }
  }
  if (const int err = write_all(spill_, body_)) return spill_error(err);
  spilled_ += body_.size();
  body_.clear();
  return std::nullopt;
}

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
                                        std::string_view label, Manifest& index,
                                        std::optional<PathError>& in_err) {
  auto size_of = [](const OutMember& m) { return m.fd >= 0 ? m.size : uint64_t(m.data.size()); };
  uint64_t bytes = 4 * members.size();
  bool streamed = false;
  for (const auto& m : members) {
    bytes += size_of(m);
    streamed |= m.fd >= 0;
  }
  const uint64_t head = 4 + 4 * (ends_.size() + 2) + config_.size();
  if (!ends_.empty() && ((samples_per_shard_ && ends_.size() >= samples_per_shard_) ||
                         head + spilled_ + body_.size() + bytes > size_limit_))
    if (auto e = flush(index)) return e;
  // A sample with a member too large to hold: the body goes to the spill file from here on.
  if (streamed && spill_ < 0)
    if (auto e = spill_body()) return e;
  const uint64_t start = spilled_ + body_.size();
  Pending p{std::string(key), std::string(label), {}};
  for (const auto& m : members) put_u32(body_, size_of(m));
  FileHasher h(4096);  // its hash state only
  std::string buf;
  for (const auto& m : members) {
    p.rows.push_back({std::string(m.name), std::string(m.hex), size_of(m), spilled_ + body_.size(), m.file});
    if (m.fd < 0) {
      body_.append(m.data);
      if (spill_ >= 0 && body_.size() >= kChunk)
        if (auto e = spill_body()) return e;
      continue;
    }
    // Streamed: read in chunks (one byte more than the listed size is asked for at the end: a file grown
    // since its fstat shows), hashed, appended to the spill file.
    if (auto e = spill_body()) return e;
    h.begin(HashAlgo::xxh3_128);
    buf.resize(kChunk);
    uint64_t got = 0;
    for (;;) {
      const ssize_t n = ::read(m.fd, buf.data(), std::size_t(std::min<uint64_t>(kChunk, m.size - got + 1)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        in_err = PathError{std::string(m.path), errno, "read"};
        break;
      }
      if (n == 0) break;
      got += uint64_t(n);
      if (got > m.size) break;
      h.update({buf.data(), std::size_t(n)});
      if (const int err = write_all(spill_, {buf.data(), std::size_t(n)})) return spill_error(err);
      spilled_ += uint64_t(n);
    }
    if (!in_err && got != m.size)
      in_err = PathError{std::string(m.path), 0, "read", "size changed while it was read"};
    if (in_err) {  // the sample rolled back out of the spill file
      body_.clear();
      if (::ftruncate(spill_, off_t(start)) != 0 || ::lseek(spill_, off_t(start), SEEK_SET) < 0)
        return spill_error(errno);
      spilled_ = start;
      return std::nullopt;
    }
    h.finish(p.rows.back().hex);
  }
  ends_.push_back(spilled_ + body_.size());
  pending_.push_back(std::move(p));
  return std::nullopt;
}

std::optional<PathError> MdsWriter::flush(Manifest& index) {
  if (ends_.empty()) return std::nullopt;
  const std::string name = fmt::format("shard.{:05}.mds", shards_.size());
  const uint64_t head = 4 + 4 * (ends_.size() + 1) + config_.size();
  const uint64_t total = head + spilled_ + body_.size();
  if (total > UINT32_MAX)
    return PathError{dir_ + "/" + name, EFBIG, "write", "an MDS shard holds at most 4 GiB"};
  std::string file;
  file.reserve(std::size_t(spill_ >= 0 ? head : total));
  put_u32(file, ends_.size());
  put_u32(file, head);
  for (uint64_t e : ends_) put_u32(file, head + e);
  file += config_;
  if (spill_ < 0) {
    file += body_;
    if (auto e =
            write_file_atomic_at(dirfd_, name, dir_ + "/" + name, file, {.durability = Durability::none}))
      return e;
  } else {
    // The header, then the spill file's bytes copied over in chunks.
    if (auto e = spill_body()) return e;
    OutputFile out;
    if (auto e = out.open_at(dirfd_, name, dir_ + "/" + name, {.durability = Durability::none})) return e;
    if (auto e = out.write(file)) return e;
    std::string buf(kChunk, '\0');
    for (uint64_t at = 0; at < spilled_;) {
      const ssize_t n =
          ::pread(spill_, buf.data(), std::size_t(std::min<uint64_t>(kChunk, spilled_ - at)), off_t(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return spill_error(n < 0 ? errno : EIO);
      if (auto e = out.write({buf.data(), std::size_t(n)})) return e;
      at += uint64_t(n);
    }
    if (auto e = out.commit()) return e;
    ::close(spill_);
    spill_ = -1;
    spilled_ = 0;
  }
  for (const auto& p : pending_)
    for (const auto& r : p.rows)
      add_index_row(index, r.name, r.size, r.hex, p.label, name, head + r.offset, p.key, r.file);
  shards_.push_back({name, ends_.size(), total});
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
