#include "dskit/bench/dataset_read.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "dskit/bench/target.h"
#include "dskit/shuffle.h"

namespace dskit::bench {

uint64_t dataset_order(uint64_t n, uint64_t seed, uint64_t epoch, uint64_t position) {
  ShuffleOptions so;
  so.mode = ShuffleMode::global;
  so.seed = seed;
  so.epoch = epoch;
  return EpochOrder(n, so).at(position);
}

std::optional<BenchError> run_dataset_read(DatasetReadOptions o, const std::vector<DatasetFile>& files,
                                           DatasetReadResult& out) {
  CommonOptions& c = o.common;
  if (auto e = resolve_engine(c, out.warnings)) return e;
  if (files.empty()) return BenchError{ErrorKind::usage, "no files to read"};
  if (o.block == 0 || o.block > (uint64_t{1} << 30))
    return BenchError{ErrorKind::usage, "--block must be 1 byte to 1 GiB"};
  if (o.epochs == 0) return BenchError{ErrorKind::usage, "--epochs must be at least 1"};
  for (const auto& f : files) out.dataset_bytes += f.size;
  // The first file tells whether O_DIRECT works here, and its alignment.
  {
    PathError pe;
    const int fd = open_target(files[0].path, O_RDONLY, c.direct, pe);
    if (fd < 0) return open_error(pe, c.direct);
    out.alignment = c.direct ? dio_alignment(fd) : 0;
    ::close(fd);
  }
  if (c.direct && o.block % out.alignment != 0)
    return BenchError{
        ErrorKind::usage,
        fmt::format("--block {} is not a multiple of the O_DIRECT alignment {}", o.block, out.alignment)};
  if (!c.direct && out.dataset_bytes <= physical_memory())
    out.warnings.push_back(
        fmt::format("buffered reads of a {}-byte dataset, which fits in RAM: after the first epoch the page "
                    "cache is measured",
                    out.dataset_bytes));
  if (c.drop_cache)
    for (const auto& f : files) drop_cache(f.path);

  const uint64_t n = files.size();
  const uint64_t total = n * o.epochs;
  std::vector<EpochOrder> orders;
  for (unsigned e = 0; e < o.epochs; ++e) {
    ShuffleOptions so;
    so.seed = c.seed;
    so.epoch = e;
    orders.emplace_back(n, so);
  }
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> bytes_taken{0};
  std::mutex trace_mu;
  Runner runner({c.threads, c.duration_s, c.interrupt});
  if (c.live) c.live->store(&runner);
  out.phase = runner.run([&](WorkerContext& ctx, ThreadStats& st) {
    const unsigned depth = c.engine == EngineKind::io_uring ? std::max(c.iodepth, 1u) : 1;
    const uint32_t align = std::max<uint32_t>(out.alignment, 4096);
    AlignedBuffer buf(static_cast<std::size_t>(o.block) * depth, align);
    auto engine = make_engine(c);
    Histogram& lopen = st.lat["open"];
    Histogram& lfirst = st.lat["first_byte"];
    Histogram& lfile = st.lat["file"];
    Histogram& lread = st.lat["read"];
    std::vector<unsigned> free_slots;
    std::vector<IoCompletion> done;
    std::vector<TraceEntry> trace;
    while (!ctx.stop()) {
      const uint64_t g = next.fetch_add(1, std::memory_order_relaxed);
      if (g >= total || (c.ops && g >= c.ops)) break;
      if (c.bytes && bytes_taken.load(std::memory_order_relaxed) >= c.bytes) break;
      const uint64_t epoch = g / n, pos = g % n;
      const uint64_t fi = orders[epoch].at(pos);
      const DatasetFile& f = files[fi];
      bytes_taken.fetch_add(f.size, std::memory_order_relaxed);
      if (o.trace) trace.push_back({epoch, pos, fi});
      const int64_t t0 = now_ns();
      PathError pe;
      const int fd = open_target(f.path, O_RDONLY, c.direct, pe);
      const int64_t t_open = now_ns();
      if (fd < 0) {
        st.add_error(pe);
        continue;
      }
      lopen.record(static_cast<uint64_t>(t_open - t0));
      free_slots.clear();
      for (unsigned i = 0; i < depth; ++i) free_slots.push_back(depth - 1 - i);
      uint64_t off = 0, got = 0;
      bool first = true, eof = false, failed = false;
      while (true) {
        while (!failed && !eof && off < f.size && !free_slots.empty()) {
          const unsigned slot = free_slots.back();
          free_slots.pop_back();
          uint64_t len = std::min(o.block, f.size - off);
          if (c.direct) len = (len + align - 1) / align * align;  // the tail read is short at EOF
          engine->submit({OpKind::read, fd, buf.data() + static_cast<std::size_t>(slot) * o.block,
                          static_cast<uint32_t>(len), off, slot, 0});
          off += std::min(o.block, f.size - off);
        }
        if (engine->in_flight() == 0) break;
        done.clear();
        if (const int r = engine->wait(done); r < 0) {
          st.add_error({f.path, -r, "io_uring wait"});
          ctx.request_stop();
          failed = true;
          break;
        }
        for (const auto& d : done) {
          free_slots.push_back(static_cast<unsigned>(d.op.user));
          if (d.result < 0) {
            st.add_error({f.path, static_cast<int>(-d.result), "read"});
            failed = true;
            continue;
          }
          if (d.result < static_cast<int64_t>(d.op.len)) eof = true;
          if (first) {
            lfirst.record(static_cast<uint64_t>(d.end_ns - t0));
            first = false;
          }
          lread.record(static_cast<uint64_t>(d.end_ns - d.op.start_ns));
          ++st.ops;
          got += static_cast<uint64_t>(d.result);
          ctx.add(1, static_cast<uint64_t>(d.result));
        }
      }
      ::close(fd);
      st.bytes += got;
      if (failed) continue;
      if (f.size == 0) lfirst.record(static_cast<uint64_t>(t_open - t0));
      lfile.record(static_cast<uint64_t>(now_ns() - t0));
      ++st.files;
    }
    if (o.trace) {
      std::lock_guard lk(trace_mu);
      out.trace.insert(out.trace.end(), trace.begin(), trace.end());
    }
  });
  if (c.live) c.live->store(nullptr);
  std::sort(out.trace.begin(), out.trace.end(), [](const TraceEntry& a, const TraceEntry& b) {
    return a.epoch != b.epoch ? a.epoch < b.epoch : a.position < b.position;
  });
  return std::nullopt;
}

}  // namespace dskit::bench
