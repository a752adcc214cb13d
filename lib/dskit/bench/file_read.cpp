#include "dskit/bench/file_read.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace dskit::bench {

namespace {

// A shard that cannot be opened or holds a member beyond its end: an input error (exit 2) unless the cause
// is the storage's (O_DIRECT refused, permissions, an I/O error), as for a dataset file.
BenchError shard_error(const PathError& e) {
  if (e.err == 0) return {ErrorKind::usage, describe(e)};
  return open_error(e, e.op == "open O_DIRECT");
}

}  // namespace

std::optional<BenchError> prepare_whole_file_reads(const CommonOptions& c,
                                                   const std::vector<DatasetFile>& files,
                                                   const pack::PackSamples* pack, uint64_t block,
                                                   SampleReads& out, std::vector<std::string>& warnings) {
  if (block == 0 || block > (uint64_t{1} << 30))
    return BenchError{ErrorKind::usage, "--block must be 1 byte to 1 GiB"};
  out.pack = pack;
  out.dataset_bytes = 0;
  for (const auto& f : files) out.dataset_bytes += f.size;
  // The first file (or shard) tells whether O_DIRECT works here, and its alignment.
  int fd = -1;
  if (pack) {
    if (auto e = out.shards.open(*pack, c.direct)) return shard_error(*e);
    fd = out.shards.fds().at(0);
  } else if (auto e = open_input(files.at(0).path, c.direct, false, fd)) {
    return e;
  }
  out.alignment = c.direct ? dio_alignment(fd) : 0;
  if (!pack) ::close(fd);
  if (c.direct && block % out.alignment != 0)
    return BenchError{
        ErrorKind::usage,
        fmt::format("--block {} is not a multiple of the O_DIRECT alignment {}", block, out.alignment)};
  if (!c.direct && out.dataset_bytes <= physical_memory())
    warnings.push_back(fmt::format(
        "buffered reads of a {}-byte dataset, which fits in RAM: once cached, the page cache is measured",
        out.dataset_bytes));
  if (pack) {
    for (const int shard : out.shards.fds()) {
      if (c.drop_cache) drop_cache(shard);
      if (!c.direct) ::posix_fadvise(shard, 0, 0, POSIX_FADV_RANDOM);
    }
  } else if (c.drop_cache) {
    for (const auto& f : files) drop_cache(f.path);
  }
  return std::nullopt;
}

WholeFileReader::WholeFileReader(const CommonOptions& c, uint64_t block, const SampleReads& reads)
    : c_(c),
      reads_(reads),
      block_(block),
      align_(std::max<uint32_t>(reads.alignment, 4096)),
      depth_(c.engine == EngineKind::io_uring ? std::max(c.iodepth, 1u) : 1),
      engine_(make_engine(c)),
      buf_(static_cast<std::size_t>(block) * depth_, align_) {}

bool WholeFileReader::read(const DatasetFile& f, WorkerContext& ctx, ThreadStats& st,
                           const FileLatencies& lat) {
  const int64_t t0 = now_ns();
  bool first = true;
  if (reads_.pack) {
    const pack::PackSamples& p = *reads_.pack;
    for (const pack::PackMember& m : p.sample(f.sample))
      if (!read_range(reads_.shards.fd(m.shard), m.offset, m.size, p.dir + "/" + p.shards[m.shard], t0, first,
                      ctx, st, lat))
        return false;
    if (first && lat.first_byte) lat.first_byte->record(static_cast<uint64_t>(now_ns() - t0));
  } else {
    PathError pe;
    const int fd = open_target(f.path, O_RDONLY, c_.direct, pe);
    const int64_t t_open = now_ns();
    if (fd < 0) {
      st.add_error(pe);
      return false;
    }
    if (lat.open) lat.open->record(static_cast<uint64_t>(t_open - t0));
    const bool ok = read_range(fd, 0, f.size, f.path, t0, first, ctx, st, lat);
    ::close(fd);
    if (!ok) return false;
    if (f.size == 0 && lat.first_byte) lat.first_byte->record(static_cast<uint64_t>(t_open - t0));
  }
  if (lat.file) lat.file->record(static_cast<uint64_t>(now_ns() - t0));
  ++st.files;
  return true;
}

bool WholeFileReader::read_range(int fd, uint64_t off, uint64_t size, const std::string& shown, int64_t t0,
                                 bool& first, WorkerContext& ctx, ThreadStats& st, const FileLatencies& lat) {
  const uint64_t end = off + size;
  // O_DIRECT reads whole aligned blocks: from the block holding `off` to the one holding the last byte (a
  // file's last one comes back short at its end). --block is a multiple of the alignment.
  const uint64_t from = c_.direct ? off / align_ * align_ : off;
  const uint64_t to = c_.direct ? (end + align_ - 1) / align_ * align_ : end;
  free_slots_.clear();
  for (unsigned i = 0; i < depth_; ++i) free_slots_.push_back(depth_ - 1 - i);
  uint64_t pos = from;
  bool eof = false, failed = false;
  while (true) {
    while (!failed && !eof && pos < to && !free_slots_.empty()) {
      const unsigned slot = free_slots_.back();
      free_slots_.pop_back();
      const uint64_t len = std::min(block_, to - pos);
      engine_->submit({OpKind::read, fd, buf_.data() + static_cast<std::size_t>(slot) * block_,
                       static_cast<uint32_t>(len), pos, slot, 0});
      pos += len;
    }
    if (engine_->in_flight() == 0) break;
    done_.clear();
    if (const int r = engine_->wait(done_); r < 0) {
      st.add_error({shown, -r, "io_uring wait"});
      ctx.request_stop();
      failed = true;
      break;
    }
    for (const auto& d : done_) {
      free_slots_.push_back(static_cast<unsigned>(d.op.user));
      if (d.result < 0) {
        st.add_error({shown, static_cast<int>(-d.result), "read"});
        failed = true;
        continue;
      }
      if (d.result < static_cast<int64_t>(d.op.len)) eof = true;
      if (first && lat.first_byte) lat.first_byte->record(static_cast<uint64_t>(d.end_ns - t0));
      first = false;
      if (lat.read) lat.read->record(static_cast<uint64_t>(d.end_ns - d.op.start_ns));
      // The bytes of the range this request returned, not the alignment around them.
      const uint64_t got_from = std::max(d.op.offset, off);
      const uint64_t got_to = std::min(d.op.offset + static_cast<uint64_t>(d.result), end);
      const uint64_t got = got_to > got_from ? got_to - got_from : 0;
      ++st.ops;
      st.bytes += got;
      ctx.add(1, got);
    }
  }
  return !failed;
}

}  // namespace dskit::bench
