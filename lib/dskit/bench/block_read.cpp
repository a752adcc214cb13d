#include "dskit/bench/block_read.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>

#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "dskit/bench/report.h"
#include "dskit/bench/target.h"
#include "dskit/order/shuffle.h"

namespace dskit::bench {

std::optional<BenchError> run_block_read(BlockReadOptions o, BlockReadResult& out) {
  CommonOptions& c = o.common;
  if (auto e = resolve_engine(c, out.warnings)) return e;
  if (o.block == 0 || o.block > (uint64_t{1} << 30))
    return BenchError{ErrorKind::usage, "--block must be 1 byte to 1 GiB"};
  int fd = -1;
  if (auto e = open_input(o.file, c.direct, true, fd)) return e;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const int64_t fsize = target_size(fd);
  if (fsize < 0) return BenchError{ErrorKind::io, describe({o.file, static_cast<int>(-fsize), "size"})};
  const uint64_t span = o.size ? o.size : static_cast<uint64_t>(fsize);
  if (o.size > static_cast<uint64_t>(fsize))
    return BenchError{ErrorKind::usage,
                      fmt::format("{}: --size {} is larger than the file ({} bytes)", o.file, o.size, fsize)};
  if (span < o.block)
    return BenchError{ErrorKind::usage,
                      fmt::format("{}: the file ({} bytes) is shorter than the block size ({} bytes)", o.file,
                                  span, o.block)};
  out.alignment = c.direct ? dio_alignment(fd) : 0;
  if (c.direct && o.block % out.alignment != 0)
    return BenchError{ErrorKind::usage,
                      fmt::format("--block {} is not a multiple of the O_DIRECT alignment {} of {}", o.block,
                                  out.alignment, o.file)};
  if (!c.direct && span <= physical_memory())
    out.warnings.push_back(fmt::format(
        "buffered reads of {} bytes, which fit in RAM: the page cache is measured, not the storage", span));
  if (c.drop_cache) drop_cache(fd);
  out.span = span;
  const uint64_t nblocks = span / o.block;
  const uint64_t total_ops = c.ops ? c.ops : c.bytes ? (c.bytes + o.block - 1) / o.block : 0;

  Runner runner({c.threads, c.duration_s, c.interrupt});
  if (c.live) c.live->store(&runner);
  out.phase = runner.run([&](WorkerContext& ctx, ThreadStats& st) {
    const unsigned t = ctx.thread();
    const uint64_t budget = total_ops ? share(total_ops, c.threads, t) : ~uint64_t{0};
    const unsigned depth = c.engine == EngineKind::io_uring ? std::max(c.iodepth, 1u) : 1;
    // The buffers outlive the engine: a ring torn down after an error never writes into freed memory.
    AlignedBuffer buf(static_cast<std::size_t>(o.block) * depth, std::max<uint32_t>(out.alignment, 4096));
    // Each thread has its own open file, as each fio job does: threads sharing one descriptor contend on
    // its reference count in every read.
    PathError own_err;
    const int own = open_target(o.file, O_RDONLY | O_NONBLOCK, c.direct, own_err);  // never blocks on a FIFO
    if (own >= 0) ::fcntl(own, F_SETFL, ::fcntl(own, F_GETFL) & ~O_NONBLOCK);
    if (own < 0) {
      st.add_error(own_err);
      ctx.request_stop();
      return;
    }
    const Closer own_closer{own};
    auto engine = make_engine(c);
    std::vector<unsigned> free_slots;
    for (unsigned i = 0; i < depth; ++i) free_slots.push_back(depth - 1 - i);
    Rng rng(derive_key(c.seed, 0, 0x62656e6368 /* "bench" */, t));
    Histogram& lat = st.lat["read"];
    std::vector<IoCompletion> done;
    uint64_t issued = 0;
    bool failed = false;
    while (true) {
      while (!failed && !ctx.stop() && issued < budget && !free_slots.empty()) {
        const unsigned slot = free_slots.back();
        free_slots.pop_back();
        IoOp op;
        op.kind = OpKind::read;
        op.fd = own;
        op.buf = buf.data() + static_cast<std::size_t>(slot) * o.block;
        op.len = static_cast<uint32_t>(o.block);
        op.offset = rng.below(nblocks) * o.block;
        op.user = slot;
        engine->submit(op);
        ++issued;
      }
      if (engine->in_flight() == 0) break;
      done.clear();
      if (const int r = engine->wait(done); r < 0) {
        st.add_error({o.file, -r, "io_uring wait"});
        ctx.request_stop();
        break;
      }
      for (const auto& d : done) {
        free_slots.push_back(static_cast<unsigned>(d.op.user));
        if (d.result != static_cast<int64_t>(o.block)) {
          st.add_error({o.file, d.result < 0 ? static_cast<int>(-d.result) : EIO,
                        d.result < 0 ? "read" : fmt::format("short read at offset {}", d.op.offset)});
          failed = true;
          ctx.request_stop();
          continue;
        }
        ++st.ops;
        st.bytes += o.block;
        lat.record(static_cast<uint64_t>(d.end_ns - d.op.start_ns));
        ctx.add(1, o.block);
      }
    }
  });
  if (c.live) c.live->store(nullptr);
  return std::nullopt;
}

std::string block_read_report(const BlockReadOptions& o, const BlockReadResult& r, const Summary& s,
                              bool json) {
  std::string out;
  const ReportHeader h = read_header("randread", o.common, o.block);
  if (json) {
    out += '{';
    append_common_json(out, h, s, "read");
    JsonWriter(out, true)
        .field("file", o.file)
        .field("span_bytes", r.span)
        .field("alignment", r.alignment)
        .field("interrupted", r.phase.interrupted);
    out += ',';
    append_threads_json(out, r.phase.threads);
    out += "}\n";
  } else {
    out +=
        fmt::format("dsbench randread  {}  block {}  engine {}  threads {}  iodepth {}  {}\n", o.file,
                    o.block, engine_name(h.engine), h.threads, h.iodepth, h.direct ? "O_DIRECT" : "buffered");
    out += fmt::format("ops {}  bytes {}  seconds {:.3f}  IOPS {:.0f}  {}\n", s.ops, s.bytes, s.seconds(),
                       s.per_second(s.ops), human_rate(s.per_second(s.bytes)));
    out += latency_table(s.lat);
    out += fairness_line(s);
  }
  return out;
}

}  // namespace dskit::bench
