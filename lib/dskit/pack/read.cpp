// Reading a pack back: verify (each shard walked with the bounded tar reader, every member against its
// index.tsv row and hash), list (the samples from index.tsv) and unpack (members written beneath a
// directory, created with O_EXCL and no link followed, their hashes checked).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>

#include "dskit/base/fileio.h"
#include "dskit/hash/hash.h"
#include "dskit/pack/pack.h"
#include "dskit/pack/parts.h"
#include "dskit/tar/reader.h"

namespace dskit::pack {

namespace {

// The rows of each shard, in the order shards first appear in index.tsv.
std::vector<std::pair<std::string, std::vector<std::size_t>>> rows_by_shard(const Index& ix) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> out;
  std::map<std::string, std::size_t, std::less<>> at;
  for (std::size_t r = 0; r < ix.m.size(); ++r) {
    std::string s = unescape_field(ix.m.cell(r, std::size_t(ix.shard)));
    auto [it, fresh] = at.try_emplace(s, out.size());
    if (fresh) out.push_back({std::move(s), {}});
    out[it->second].second.push_back(r);
  }
  return out;
}

uint64_t cell_uint(const Manifest& m, std::size_t r, int col) {
  uint64_t v = 0;
  for (char c : m.cell(r, std::size_t(col))) v = v * 10 + uint64_t(c - '0');
  return v;
}

constexpr std::size_t kChunk = std::size_t{1} << 20;  // a member is read, hashed and written in such chunks

// Reads the SIZE bytes at OFF of the shard in chunks into `buf`, hashing them and handing each to `sink`
// (which returns 0 or an errno value); appends the hash's hex to `hex`. A range beyond the shard is refused
// before anything is read or allocated. A read error as a TarError; a sink error in `sink_err`.
std::optional<tar::TarError> stream_range(const tar::Reader& rd, uint64_t off, uint64_t size, FileHasher& h,
                                          std::string& buf, std::string& hex,
                                          const std::function<int(std::string_view)>& sink, int& sink_err) {
  if (off > rd.size() || size > rd.size() - off)
    return tar::TarError{off, "size or offset in index.tsv beyond the end of the shard"};
  h.begin(HashAlgo::xxh3_128);
  buf.resize(std::size_t(std::min<uint64_t>(size, kChunk)));
  for (uint64_t done = 0; done < size;) {
    const std::size_t n = std::size_t(std::min<uint64_t>(size - done, kChunk));
    if (auto e = rd.read(off + done, {reinterpret_cast<unsigned char*>(buf.data()), n})) return e;
    const std::string_view chunk(buf.data(), n);
    h.update(chunk);
    if (sink && (sink_err = sink(chunk)) != 0) return std::nullopt;
    done += n;
  }
  hex.clear();
  h.finish(hex);
  return std::nullopt;
}

// Opens a shard of the pack: a regular file, no link followed.
int open_shard(const std::string& dir, const std::string& name, uint64_t& size) {
  const int fd = ::open((dir + "/" + name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -errno;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return -EINVAL;
  }
  size = uint64_t(st.st_size);
  return fd;
}

void verify_shard(const std::string& dir, const Index& ix, const std::string& shard,
                  const std::vector<std::size_t>& rows, std::vector<Issue>& issues, uint64_t& members,
                  uint64_t& bytes) {
  uint64_t size = 0;
  const int fd = open_shard(dir, shard, size);
  if (fd < 0) {
    issues.push_back({shard, "", fd == -EINVAL ? "not a regular file" : std::strerror(-fd)});
    return;
  }
  tar::Reader rd = tar::Reader::over_fd(fd, size);
  std::string data, hex;
  FileHasher h(4096);  // only its hash state: the chunks are read into `data`
  if (shard.ends_with(".mds")) {
    // MDS: no member headers to walk; each row's bytes at its offset against its hash.
    for (const std::size_t r : rows) {
      const std::string esc(ix.m.path_escaped(r));
      int sink_err = 0;
      if (auto e = stream_range(rd, cell_uint(ix.m, r, ix.offset), ix.m.file_size(r), h, data, hex, {},
                                sink_err)) {
        issues.push_back({shard, esc, e->what});
        continue;
      }
      if (hex != ix.m.hash_hex(r))
        issues.push_back({shard, esc, "content differs from its hash in index.tsv"});
      ++members;
      bytes += ix.m.file_size(r);
    }
    ::close(fd);
    return;
  }
  tar::Member m;
  std::size_t k = 0;
  while (rd.next(m)) {
    const std::string esc = escape_field(m.name);
    if (k == rows.size()) {
      issues.push_back({shard, esc, "member not in index.tsv"});
      continue;
    }
    const std::size_t r = rows[k++];
    if (ix.m.path_escaped(r) != esc) {
      issues.push_back({shard, esc, "member where index.tsv has " + std::string(ix.m.path_escaped(r))});
      continue;
    }
    if (m.type != '0') {
      issues.push_back({shard, esc, "not a regular file member"});
      continue;
    }
    if (m.size != ix.m.file_size(r) || m.data_offset != cell_uint(ix.m, r, ix.offset)) {
      issues.push_back({shard, esc, "size or offset differs from index.tsv"});
      continue;
    }
    int sink_err = 0;
    if (auto e = stream_range(rd, m.data_offset, m.size, h, data, hex, {}, sink_err)) {
      issues.push_back({shard, esc, e->what});
      break;
    }
    if (hex != ix.m.hash_hex(r)) issues.push_back({shard, esc, "content differs from its hash in index.tsv"});
    ++members;
    bytes += m.size;
  }
  if (const auto& e = rd.error())
    issues.push_back({shard, "", "bad tar structure at byte " + std::to_string(e->offset) + ": " + e->what});
  else if (!rd.saw_end_marker())
    issues.push_back({shard, "", "no end-of-archive marker (truncated)"});
  for (; k < rows.size(); ++k)
    issues.push_back({shard, std::string(ix.m.path_escaped(rows[k])), "in index.tsv but not in the shard"});
  ::close(fd);
}

// Opens (creating when absent) the directory `name` beneath `dirfd`, following no link.
int open_subdir(int dirfd, const std::string& name) {
  if (::mkdirat(dirfd, name.c_str(), 0777) != 0 && errno != EEXIST) return -errno;
  const int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

// Creates the file at the relative path `rel` beneath `destfd`: every directory opened with O_NOFOLLOW, the
// file created with O_EXCL. The file's descriptor (its directory's in `parent`, to close, or to unlink the
// file from: it is `destfd` itself for a top-level name), or -errno with `op` naming the step.
int create_beneath(int destfd, const std::string& rel, int& parent, const char*& op) {
  int dirfd = destfd;
  std::size_t start = 0;
  for (;;) {
    const auto slash = rel.find('/', start);
    if (slash == std::string::npos) break;
    op = "mkdir";
    const int fd = open_subdir(dirfd, rel.substr(start, slash - start));
    if (dirfd != destfd) ::close(dirfd);
    if (fd < 0) return fd;
    dirfd = fd;
    start = slash + 1;
  }
  op = "create";
  const int fd =
      ::openat(dirfd, rel.c_str() + start, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    if (dirfd != destfd) ::close(dirfd);
    return -err;
  }
  parent = dirfd;
  return fd;
}

}  // namespace

bool safe_member_path(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  for (;;) {
    const auto slash = p.find('/', start);
    const std::string_view c = p.substr(start, slash == std::string_view::npos ? p.npos : slash - start);
    if (c.empty() || c == "." || c == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

VerifyResult verify(const std::string& out_dir, unsigned threads) {
  VerifyResult r;
  Index ix;
  if (auto e = load_index(out_dir, ix)) {
    r.setup_error = *e;
    return r;
  }
  const auto shards = rows_by_shard(ix);
  r.shards = shards.size();
  std::vector<std::vector<Issue>> issues(shards.size());
  std::vector<uint64_t> members(shards.size()), bytes(shards.size());
  const unsigned n = std::max(1u, threads);
  tbb::global_control cap(tbb::global_control::max_allowed_parallelism, n);
  tbb::task_arena arena(static_cast<int>(n));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, shards.size(), [&](std::size_t i) {
      verify_shard(out_dir, ix, shards[i].first, shards[i].second, issues[i], members[i], bytes[i]);
    });
  });
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (auto& is : issues[i]) r.issues.push_back(std::move(is));
    r.members += members[i];
    r.bytes += bytes[i];
  }
  return r;
}

std::optional<std::string> list(const std::string& out_dir, std::vector<Sample>& out) {
  Index ix;
  if (auto e = load_index(out_dir, ix)) return e;
  for (std::size_t r = 0; r < ix.m.size(); ++r) {
    const std::string_view key = ix.m.cell(r, std::size_t(ix.key)),
                           shard = ix.m.cell(r, std::size_t(ix.shard));
    // A sample's members are consecutive rows of one shard.
    if (out.empty() || escape_field(out.back().key) != key || escape_field(out.back().shard) != shard)
      out.push_back({unescape_field(key), unescape_field(shard), ix.m.label(r), {}});
    out.back().members.push_back(ix.m.path(r));
  }
  return std::nullopt;
}

UnpackResult unpack(const std::string& out_dir, const std::string& dest, bool all) {
  UnpackResult r;
  Index ix;
  if (auto e = load_index(out_dir, ix)) {
    r.setup_error = *e;
    return r;
  }
  if (::mkdir(dest.c_str(), 0777) != 0 && errno != EEXIST) {
    r.setup_error = describe(PathError{dest, errno, "mkdir"});
    return r;
  }
  const int destfd = ::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (destfd < 0) {
    r.setup_error = describe(PathError{dest, errno, "open"});
    return r;
  }
  std::string data, hex;
  FileHasher h(4096);
  for (const auto& [shard, rows] : rows_by_shard(ix)) {
    uint64_t size = 0;
    const int fd = open_shard(out_dir, shard, size);
    if (fd < 0) {
      r.errors.push_back(PathError{out_dir + "/" + shard, fd == -EINVAL ? EINVAL : -fd, "open"});
      continue;
    }
    const tar::Reader rd = tar::Reader::over_fd(fd, size);
    for (std::size_t row : rows) {
      if (!all && ix.m.cell(row, std::size_t(ix.origin)) != "file") continue;
      const std::string rel = ix.m.path(row);
      const std::string esc(ix.m.path_escaped(row));
      if (!safe_member_path(rel)) {
        r.errors.push_back(
            PathError{esc, EINVAL, "unpack", "a path that is absolute or leaves the directory"});
        continue;
      }
      // Streamed: the row's range checked against the shard first, then read, hashed and written in
      // chunks; a member that fails is removed again.
      const uint64_t off = cell_uint(ix.m, row, ix.offset), len = ix.m.file_size(row);
      if (off > rd.size() || len > rd.size() - off) {
        r.errors.push_back(
            PathError{esc, 0, "read", shard + ": size or offset in index.tsv beyond the end of the shard"});
        continue;
      }
      const char* op = "create";
      int parent = -1;
      const int out = create_beneath(destfd, rel, parent, op);
      if (out < 0) {
        r.errors.push_back(PathError{dest + "/" + esc, -out, op});
        continue;
      }
      int sink_err = 0;
      auto e = stream_range(
          rd, off, len, h, data, hex, [&](std::string_view chunk) { return write_all(out, chunk); },
          sink_err);
      if (::close(out) != 0 && !sink_err) sink_err = errno;
      std::optional<PathError> failed;
      if (e)
        failed = PathError{esc, 0, "read", shard + ": " + e->what};
      else if (sink_err)
        failed = PathError{dest + "/" + esc, sink_err, "write"};
      else if (hex != ix.m.hash_hex(row))
        failed = PathError{esc, 0, "read", shard + ": content differs from its hash in index.tsv"};
      if (failed) {
        const auto slash = rel.rfind('/');
        ::unlinkat(parent, rel.c_str() + (slash == std::string::npos ? 0 : slash + 1), 0);
      }
      if (parent != destfd) ::close(parent);
      if (failed) {
        r.errors.push_back(std::move(*failed));
        continue;
      }
      r.bytes += len;
      ++r.files;
    }
    ::close(fd);
  }
  ::close(destfd);
  return r;
}

}  // namespace dskit::pack
