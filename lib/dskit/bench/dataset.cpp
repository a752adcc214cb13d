#include "dskit/bench/dataset.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "dskit/base/fstype.h"
#include "dskit/base/units.h"
#include "dskit/bench/target.h"
#include "dskit/manifest/manifest.h"
#include "dskit/order/shuffle.h"
#include "dskit/walk/walk.h"

namespace dskit::bench {

namespace {

class Collector final : public WalkVisitor {
 public:
  Action on_entry(const Entry& e, unsigned) override {
    if (e.type != FileType::file) return Action::proceed;
    std::lock_guard lk(mu);
    files.push_back({std::string(e.path), e.st.size});
    return Action::proceed;
  }
  void on_error(const PathError& err, bool, unsigned) override {
    std::lock_guard lk(mu);
    if (!first_error) first_error = err;
  }
  std::mutex mu;
  std::vector<DatasetFile> files;
  std::optional<PathError> first_error;
};

// The lines of a file list or manifest read through `fd` (open_input checked it is a regular file).
std::vector<std::string> read_lines(int fd) {
  std::vector<std::string> lines;
  std::string text, line;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buf, static_cast<std::size_t>(n));
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    lines.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
  return lines;
}

std::optional<BenchError> from_manifest(const std::string& path, std::vector<DatasetFile>& out) {
  int fd = -1;  // the type first: a FIFO named as a manifest must not block the open
  if (auto e = open_input(path, false, false, fd)) return e;
  ::close(fd);
  Manifest m;
  if (auto err = load_manifest(path, {}, m)) return BenchError{ErrorKind::usage, describe(*err)};
  if (m.size_col() == Manifest::npos)
    return BenchError{ErrorKind::usage, path + ": the manifest has no size column"};
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) out.push_back({m.abs_path(i), m.file_size(i)});
  return std::nullopt;
}

}  // namespace

std::optional<BenchError> load_dataset(const std::string& path, std::vector<DatasetFile>& out,
                                       std::shared_ptr<const pack::PackSamples>& pack) {
  pack.reset();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)  // a missing input reads "PATH: No such file or directory" (dskit(7))
    return BenchError{ErrorKind::usage, describe({path, errno, errno == ENOENT ? "" : "stat"})};
  if (S_ISDIR(st.st_mode) && pack::is_pack(path)) {
    auto p = std::make_shared<pack::PackSamples>();
    if (auto e = pack::load_samples(path, *p)) return BenchError{ErrorKind::usage, *e};
    if (p->samples() == 0) return BenchError{ErrorKind::usage, path + ": the pack has no samples"};
    out.reserve(p->samples());
    for (std::size_t i = 0; i < p->samples(); ++i) out.push_back({p->keys[i], p->sample_bytes(i), i});
    pack = std::move(p);
    return std::nullopt;
  }
  if (S_ISDIR(st.st_mode)) {
    Collector c;
    WalkOptions wo;
    wo.need_stat = true;
    walk({path}, wo, c);
    if (c.first_error) return BenchError{ErrorKind::usage, describe(*c.first_error)};
    out = std::move(c.files);
    std::sort(out.begin(), out.end(),
              [](const DatasetFile& a, const DatasetFile& b) { return a.path < b.path; });
  } else {
    int fd = -1;
    if (auto e = open_input(path, false, false, fd)) return e;
    const std::vector<std::string> lines = read_lines(fd);
    ::close(fd);
    if (lines.empty()) return BenchError{ErrorKind::usage, path + ": empty file list"};
    if (lines[0].starts_with("#dskit-manifest")) return from_manifest(path, out);
    for (const auto& line : lines) {
      if (line.empty()) continue;
      struct stat fs {};
      if (::stat(line.c_str(), &fs) != 0)
        return BenchError{ErrorKind::usage, describe({line, errno, "stat"})};
      if (!S_ISREG(fs.st_mode)) return BenchError{ErrorKind::usage, line + ": not a regular file"};
      out.push_back({line, static_cast<uint64_t>(fs.st_size)});
    }
  }
  if (out.empty()) return BenchError{ErrorKind::usage, path + ": no files to read"};
  return std::nullopt;
}

uint64_t SizeDist::draw(Rng& rng) const {
  switch (kind) {
    case Kind::fixed:
      return a;
    case Kind::uniform:
      return a + rng.below(b - a + 1);
    case Kind::sample:
      return sizes[rng.below(sizes.size())];
  }
  return a;
}

std::optional<SizeDist> parse_size_dist(std::string_view text, std::string& error) {
  const auto parse_size = [](std::string_view t) -> std::optional<uint64_t> {
    uint64_t v = 0;
    if (parse_bytes(t, v)) return std::nullopt;
    return v;
  };
  SizeDist d;
  if (text.starts_with("manifest:")) {
    std::vector<DatasetFile> files;
    if (auto e = from_manifest(std::string(text.substr(9)), files)) {
      error = e->message;
      return std::nullopt;
    }
    if (files.empty()) {
      error = std::string(text.substr(9)) + ": the manifest has no entries";
      return std::nullopt;
    }
    d.kind = SizeDist::Kind::sample;
    for (const auto& f : files) d.sizes.push_back(f.size);
    return d;
  }
  if (text.starts_with("uniform:")) {
    const std::string_view r = text.substr(8);
    const auto dash = r.find('-');
    const auto a = dash == std::string_view::npos ? std::nullopt : parse_size(r.substr(0, dash));
    const auto b = dash == std::string_view::npos ? std::nullopt : parse_size(r.substr(dash + 1));
    if (!a || !b || *a > *b) {
      error = fmt::format("--size {}: expected uniform:MIN-MAX with MIN <= MAX, e.g. uniform:4k-1M", text);
      return std::nullopt;
    }
    d.kind = SizeDist::Kind::uniform;
    d.a = *a;
    d.b = *b;
    return d;
  }
  if (text.starts_with("fixed:")) text.remove_prefix(6);
  const auto v = parse_size(text);
  if (!v) {
    error =
        fmt::format("--size {}: expected a size (64k), fixed:SIZE, uniform:MIN-MAX or manifest:PATH", text);
    return std::nullopt;
  }
  d.a = *v;
  return d;
}

std::optional<BenchError> prepare_dataset(const PrepareOptions& o, std::vector<DatasetFile>& created,
                                          bool& made_dir) {
  made_dir = false;
  if (::mkdir(o.dir.c_str(), 0755) == 0) {
    made_dir = true;
  } else if (errno != EEXIST) {
    const int err = errno;
    return BenchError{err == ENOENT ? ErrorKind::usage : ErrorKind::output, describe({o.dir, err, "mkdir"})};
  }
  // The files are created inside the directory opened once, each with O_EXCL|O_NOFOLLOW: a symlink planted
  // under a file's name is replaced, never written through.
  const int dirfd = ::open(o.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return open_error({o.dir, errno, "open"}, false);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } dir_closer{dirfd};
  // Sizes and names first (one generator: the same seed gives the same set whatever the thread count).
  Rng sizes(derive_key(o.seed, 0, 0x70726570 /* "prep" */, 0));
  created.resize(o.files);
  for (uint64_t i = 0; i < o.files; ++i)
    created[i] = {fmt::format("{}/dsbench-{:08d}.bin", o.dir, i), o.sizes.draw(sizes)};
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> made{0};
  std::mutex mu;
  std::optional<BenchError> failure;
  std::vector<uint8_t> exists(o.files, 0);
  auto worker = [&] {
    std::vector<char> buf(1 << 20);
    while (true) {
      const uint64_t i = next.fetch_add(1);
      if (i >= o.files || (o.interrupt && o.interrupt->load())) return;
      {
        std::lock_guard lk(mu);
        if (failure) return;
      }
      const DatasetFile& f = created[i];
      Rng content(derive_key(o.seed, i, 0x64617461 /* "data" */, 0));
      PathError pe;
      const int fd = create_in_dir(dirfd, fmt::format("dsbench-{:08d}.bin", i), f.path, false, pe);
      if (fd < 0) {
        std::lock_guard lk(mu);
        if (!failure) failure = open_error(pe, false);
        return;
      }
      exists[i] = 1;
      uint64_t left = f.size;
      int err = 0;
      while (left > 0 && !err) {
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left, buf.size()));
        for (std::size_t k = 0; k + 8 <= n; k += 8) {
          const uint64_t v = content.next();
          std::memcpy(buf.data() + k, &v, 8);
        }
        const ssize_t w = ::write(fd, buf.data(), n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
          err = w < 0 ? errno : ENOSPC;
        else
          left -= static_cast<uint64_t>(w);
      }
      if (!err && ::fdatasync(fd) != 0) err = errno;
      if (!err) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
      if (err) {
        std::lock_guard lk(mu);
        if (!failure)
          failure = BenchError{err == ENOSPC || err == EDQUOT ? ErrorKind::output : ErrorKind::io,
                               describe({f.path, err, "write"})};
        return;
      }
      made.fetch_add(1);
    }
  };
  // Creating, writing and syncing files waits on the storage: as many writers as it takes operations in
  // flight (io_concurrency: 128 on network/FUSE storage, one per core locally), or the benchmark's
  // --threads when more; never more than files. The set made is the same whatever the count.
  const unsigned writers = static_cast<unsigned>(
      std::min<uint64_t>(std::max({o.threads, io_concurrency(o.dir), 1u}), std::max<uint64_t>(o.files, 1)));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < writers; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::vector<DatasetFile> kept;
  for (uint64_t i = 0; i < o.files; ++i)
    if (exists[i]) kept.push_back(created[i]);
  const bool complete = made.load() == o.files;
  if (!complete) created = std::move(kept);
  if (failure) return failure;
  return std::nullopt;
}

std::vector<std::string> remove_dataset(const std::vector<DatasetFile>& files, const std::string& dir) {
  std::vector<std::string> errors;
  for (const auto& f : files)
    if (::unlink(f.path.c_str()) != 0 && errno != ENOENT)
      errors.push_back(describe({f.path, errno, "unlink"}));
  if (!dir.empty() && ::rmdir(dir.c_str()) != 0 && errno != ENOENT)
    errors.push_back(describe({dir, errno, "rmdir"}));
  return errors;
}

}  // namespace dskit::bench
