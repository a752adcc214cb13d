#include "dskit/bench/file_read.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace dskit::bench {

std::optional<BenchError> prepare_whole_file_reads(const CommonOptions& c,
                                                   const std::vector<DatasetFile>& files, uint64_t block,
                                                   uint64_t& dataset_bytes, uint32_t& alignment,
                                                   std::vector<std::string>& warnings) {
  if (block == 0 || block > (uint64_t{1} << 30))
    return BenchError{ErrorKind::usage, "--block must be 1 byte to 1 GiB"};
  dataset_bytes = 0;
  for (const auto& f : files) dataset_bytes += f.size;
  // The first file tells whether O_DIRECT works here, and its alignment.
  int fd = -1;
  if (auto e = open_input(files.at(0).path, c.direct, false, fd)) return e;
  alignment = c.direct ? dio_alignment(fd) : 0;
  ::close(fd);
  if (c.direct && block % alignment != 0)
    return BenchError{
        ErrorKind::usage,
        fmt::format("--block {} is not a multiple of the O_DIRECT alignment {}", block, alignment)};
  if (!c.direct && dataset_bytes <= physical_memory())
    warnings.push_back(fmt::format(
        "buffered reads of a {}-byte dataset, which fits in RAM: once cached, the page cache is measured",
        dataset_bytes));
  if (c.drop_cache)
    for (const auto& f : files) drop_cache(f.path);
  return std::nullopt;
}

WholeFileReader::WholeFileReader(const CommonOptions& c, uint64_t block, uint32_t alignment)
    : c_(c),
      block_(block),
      align_(std::max<uint32_t>(alignment, 4096)),
      depth_(c.engine == EngineKind::io_uring ? std::max(c.iodepth, 1u) : 1),
      engine_(make_engine(c)),
      buf_(static_cast<std::size_t>(block) * depth_, align_) {}

bool WholeFileReader::read(const DatasetFile& f, WorkerContext& ctx, ThreadStats& st,
                           const FileLatencies& lat) {
  const int64_t t0 = now_ns();
  PathError pe;
  const int fd = open_target(f.path, O_RDONLY, c_.direct, pe);
  const int64_t t_open = now_ns();
  if (fd < 0) {
    st.add_error(pe);
    return false;
  }
  if (lat.open) lat.open->record(static_cast<uint64_t>(t_open - t0));
  free_slots_.clear();
  for (unsigned i = 0; i < depth_; ++i) free_slots_.push_back(depth_ - 1 - i);
  uint64_t off = 0;
  bool first = true, eof = false, failed = false;
  while (true) {
    while (!failed && !eof && off < f.size && !free_slots_.empty()) {
      const unsigned slot = free_slots_.back();
      free_slots_.pop_back();
      const uint64_t want = std::min(block_, f.size - off);
      const uint64_t len = c_.direct ? (want + align_ - 1) / align_ * align_ : want;  // short at EOF
      engine_->submit({OpKind::read, fd, buf_.data() + static_cast<std::size_t>(slot) * block_,
                       static_cast<uint32_t>(len), off, slot, 0});
      off += want;
    }
    if (engine_->in_flight() == 0) break;
    done_.clear();
    if (const int r = engine_->wait(done_); r < 0) {
      st.add_error({f.path, -r, "io_uring wait"});
      ctx.request_stop();
      failed = true;
      break;
    }
    for (const auto& d : done_) {
      free_slots_.push_back(static_cast<unsigned>(d.op.user));
      if (d.result < 0) {
        st.add_error({f.path, static_cast<int>(-d.result), "read"});
        failed = true;
        continue;
      }
      if (d.result < static_cast<int64_t>(d.op.len)) eof = true;
      if (first && lat.first_byte) lat.first_byte->record(static_cast<uint64_t>(d.end_ns - t0));
      first = false;
      if (lat.read) lat.read->record(static_cast<uint64_t>(d.end_ns - d.op.start_ns));
      ++st.ops;
      st.bytes += static_cast<uint64_t>(d.result);
      ctx.add(1, static_cast<uint64_t>(d.result));
    }
  }
  ::close(fd);
  if (failed) return false;
  if (f.size == 0 && lat.first_byte) lat.first_byte->record(static_cast<uint64_t>(t_open - t0));
  if (lat.file) lat.file->record(static_cast<uint64_t>(now_ns() - t0));
  ++st.files;
  return true;
}

}  // namespace dskit::bench
