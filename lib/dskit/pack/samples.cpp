// A pack's samples from index.tsv, and its shards held open for reading (see samples.h).
#include "dskit/pack/samples.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>
#include <unordered_map>

#include "dskit/manifest/build/open.h"
#include "dskit/pack/pack.h"
#include "dskit/pack/parts.h"

namespace dskit::pack {

namespace {

constexpr uint64_t kMaxEnd = uint64_t{1} << 63;  // a member ends before this byte
constexpr std::size_t kMaxHeadBytes = 1 << 20;   // the two header lines is_pack reads at most

std::optional<uint64_t> parse_offset(std::string_view cell) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size() || v >= kMaxEnd)
    return std::nullopt;
  return v;
}

// The first two lines of the file open as `fd` (without their line ends), or nullopt when it has fewer
// within kMaxHeadBytes.
std::optional<std::pair<std::string, std::string>> head_lines(int fd) {
  std::string text;
  char buf[8192];
  while (text.size() < kMaxHeadBytes) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    const std::size_t first = text.find('\n');
    if (first != std::string::npos && text.find('\n', first + 1) != std::string::npos) break;
  }
  const std::size_t first = text.find('\n');
  if (first == std::string::npos) return std::nullopt;
  std::size_t second = text.find('\n', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto line = [&](std::size_t b, std::size_t e) {
    if (e > b && text[e - 1] == '\r') --e;
    return text.substr(b, e - b);
  };
  return std::pair{line(0, first), line(first + 1, second)};
}

}  // namespace

uint64_t PackSamples::sample_bytes(std::size_t i) const {
  uint64_t n = 0;
  for (const PackMember& m : sample(i)) n += m.size;
  return n;
}

bool is_pack(const std::string& dir) {
  const std::string file = dir + "/" + kIndexName;
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::optional<std::pair<std::string, std::string>> head;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) head = head_lines(fd);
  ::close(fd);
  if (!head || !head->first.starts_with("#dskit-manifest")) return false;
  bool shard = false, offset = false;
  std::string_view cols = head->second;
  while (true) {
    const std::size_t tab = cols.find('\t');
    const std::string_view name = cols.substr(0, tab);
    shard = shard || name == kShardCol;
    offset = offset || name == kOffsetCol;
    if (tab == std::string_view::npos) break;
    cols.remove_prefix(tab + 1);
  }
  return shard && offset;
}

std::optional<std::string> load_samples(const std::string& dir, PackSamples& out) {
  out = {};
  out.dir = dir;
  Index ix;
  if (auto e = load_index(dir, ix)) return e;
  const std::string file = dir + "/" + kIndexName;
  if (ix.m.size() > kMaxPackMembers)
    return fmt::format("{}: {} members, more than the {} a pack read here may hold", file, ix.m.size(),
                       kMaxPackMembers);
  out.members.reserve(ix.m.size());
  std::unordered_map<std::string, uint32_t> shard_at;
  std::string_view prev_key, prev_shard;
  for (std::size_t r = 0; r < ix.m.size(); ++r) {
    const std::string_view shard_cell = ix.m.cell(r, std::size_t(ix.shard)),
                           key_cell = ix.m.cell(r, std::size_t(ix.key));
    std::string shard = unescape_field(shard_cell);
    auto [it, fresh] = shard_at.try_emplace(std::move(shard), static_cast<uint32_t>(out.shards.size()));
    if (fresh) {
      if (out.shards.size() >= kMaxPackShards)
        return fmt::format("{}:{}: more than {} shards", file, r + 3, kMaxPackShards);
      out.shards.push_back(it->first);
    }
    const auto offset = parse_offset(ix.m.cell(r, std::size_t(ix.offset)));
    const uint64_t size = ix.m.file_size(r);
    if (!offset || size >= kMaxEnd - *offset)
      return fmt::format("{}:{}: offset '{}' with size {} is not a byte range of a shard", file, r + 3,
                         ix.m.cell(r, std::size_t(ix.offset)), size);
    // A sample is the consecutive rows of one key in one shard, as dspack ls groups them.
    if (r == 0 || key_cell != prev_key || shard_cell != prev_shard) {
      out.keys.push_back(unescape_field(key_cell));
      out.starts.push_back(out.members.size());
    }
    prev_key = key_cell;
    prev_shard = shard_cell;
    out.members.push_back({*offset, size, it->second});
    out.bytes += size;
  }
  out.starts.push_back(out.members.size());
  return std::nullopt;
}

ShardFiles::~ShardFiles() {
  close_all();
}

void ShardFiles::close_all() {
  for (const int fd : fds_) ::close(fd);
  fds_.clear();
  sizes_.clear();
}

std::optional<PathError> ShardFiles::open(const PackSamples& s, bool direct) {
  close_all();
  const int dirfd = ::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return PathError{s.dir, errno, "open"};
  std::optional<PathError> failure;
  for (const std::string& name : s.shards) {
    const std::string shown = s.dir + "/" + name;
    if (!plain_name(name)) {  // load_samples checked it; a PackSamples made otherwise is checked too
      failure = PathError{shown, 0, "open", "not a plain file name in the pack directory"};
      break;
    }
    // A plain name opened from the directory's fd with no link followed is a file of that directory.
    BeneathFile f;
    if (const int err = open_beneath(dirfd, name.c_str(), f)) {
      failure = PathError{shown, f.detail ? 0 : err, "open", f.detail ? f.detail : ""};
      break;
    }
    // O_NONBLOCK off (it only kept a FIFO's open from blocking), O_DIRECT on when asked.
    const int flags = (::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK) | (direct ? O_DIRECT : 0);
    if (::fcntl(f.fd, F_SETFL, flags) != 0) {
      failure = PathError{shown, errno, direct ? "open O_DIRECT" : "open"};
      ::close(f.fd);
      break;
    }
    fds_.push_back(f.fd);
    sizes_.push_back(static_cast<uint64_t>(f.st.st_size));
  }
  ::close(dirfd);
  for (std::size_t i = 0; !failure && i < s.samples(); ++i)
    for (const PackMember& m : s.sample(i))
      if (m.offset > sizes_[m.shard] || m.size > sizes_[m.shard] - m.offset) {
        failure = PathError{s.dir + "/" + s.shards[m.shard], 0, "",
                            fmt::format("sample {}: index.tsv has a member at offset {} of {} bytes, beyond "
                                        "the shard's {} bytes",
                                        escape_field(s.keys[i]), m.offset, m.size, sizes_[m.shard])};
        break;
      }
  if (failure) close_all();
  return failure;
}

}  // namespace dskit::pack
