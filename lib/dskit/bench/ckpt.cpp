#include "dskit/bench/ckpt.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "dskit/bench/report.h"
#include "dskit/bench/target.h"
#include "dskit/hash/hash.h"
#include "dskit/order/shuffle.h"

namespace dskit::bench {

namespace {

constexpr uint64_t kCkptTag = 0x636b7074;  // "ckpt"

// Fills the buffer of one write: seeded random bytes, stamped with the file and block so no two blocks of a
// checkpoint are the same (a block written to the wrong place fails --verify).
void stamp_block(char* p, std::size_t len, uint64_t file_id, uint64_t block_index) {
  const uint64_t stamp[2] = {file_id, block_index};
  std::memcpy(p, stamp, std::min(len, sizeof stamp));
}

void remove_files(CkptResult& out) {
  for (const auto& f : out.files)
    if (::unlink(f.path.c_str()) != 0 && errno != ENOENT)
      out.cleanup_errors.push_back(describe({f.path, errno, "unlink"}));
  out.removed = true;
}

std::optional<BenchError> check_options(const CkptOptions& o) {
  if (o.size == 0) return BenchError{ErrorKind::usage, "--size must be more than 0"};
  if (o.shards == 0) return BenchError{ErrorKind::usage, "--shards must be at least 1"};
  if (o.block == 0 || o.block > (uint64_t{1} << 30))
    return BenchError{ErrorKind::usage, "--block must be 1 byte to 1 GiB"};
  return std::nullopt;
}

// The open files of a run, closed when it goes away.
struct Fds {
  std::vector<int> fds;
  Fds() = default;
  Fds(const Fds&) = delete;
  Fds& operator=(const Fds&) = delete;
  ~Fds() { close_all(); }
  void close_all() {
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
};

// Creates every file before the clock starts (a bad directory or an O_DIRECT refusal is reported up front),
// each with O_EXCL|O_NOFOLLOW inside the directory opened once: a symlink planted under a file's name is
// replaced, never written through. On an error nothing is left behind.
std::optional<BenchError> create_files(const CkptOptions& o, CkptResult& out, Fds& fds) {
  const bool direct = o.common.direct;
  const int dirfd = ::open(o.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return open_error({o.dir, errno, direct ? "open O_DIRECT" : "open"}, direct);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } dir_closer{dirfd};
  for (unsigned w = 0; w < o.common.threads; ++w) {
    for (unsigned k = 0; k < o.shards; ++k) {
      const std::string name = fmt::format("dsbench-ckpt-{}w{}-s{}.bin", o.tag, w, k);
      CkptFile f;
      f.path = o.dir + "/" + name;
      f.writer = w;
      f.size = o.size / o.shards + (k + 1 == o.shards ? o.size % o.shards : 0);
      PathError pe;
      const int fd = create_in_dir(dirfd, name, f.path, direct, pe);
      if (fd < 0) {
        fds.close_all();
        remove_files(out);
        out.files.clear();
        if (direct && pe.err == EINVAL) {  // tell O_DIRECT refusal apart from a bad name
          PathError plain;
          const int probe = create_in_dir(dirfd, name, f.path, false, plain);
          if (probe >= 0) {
            ::close(probe);
            ::unlinkat(dirfd, name.c_str(), 0);
          } else {
            pe = plain;
          }
        }
        if (pe.err == ENOENT) pe.path = o.dir;
        return open_error(pe, direct);
      }
      fds.fds.push_back(fd);
      out.files.push_back(std::move(f));
    }
  }
  return std::nullopt;
}

// O_DIRECT: every size and the block must be multiples of the alignment; buffered without fsync: a warning
// when the checkpoint fits in RAM.
std::optional<BenchError> check_alignment(const CkptOptions& o, CkptResult& out, Fds& fds) {
  const CommonOptions& c = o.common;
  out.alignment = c.direct ? dio_alignment(fds.fds[0]) : 0;
  if (c.direct) {
    for (const auto& f : out.files)
      if (f.size % out.alignment != 0 || o.block % out.alignment != 0) {
        fds.close_all();
        remove_files(out);
        return BenchError{
            ErrorKind::usage,
            fmt::format("with O_DIRECT, --block and the size of each file ({} bytes) must be multiples of "
                        "{} (the alignment of {}); or use --buffered",
                        f.size, out.alignment, o.dir)};
      }
  } else if (!o.fsync && o.size * c.threads <= physical_memory()) {
    out.warnings.push_back(
        fmt::format("buffered writes of {} bytes, which fit in RAM: without fsync the page cache is measured",
                    o.size * c.threads));
  }
  return std::nullopt;
}

// One writer's files: --block writes through the engine (up to iodepth in flight), each file's XXH3-64 as
// written, then fsync. A short or failed write or fsync stops every writer (`full`: the disk filled up).
void write_files(const CkptOptions& o, const uint32_t alignment, const std::vector<int>& fds,
                 std::vector<CkptFile>& files, WorkerContext& ctx, ThreadStats& st, uint8_t& full) {
  const CommonOptions& c = o.common;
  const unsigned w = ctx.thread();
  const unsigned depth = c.engine == EngineKind::io_uring ? std::max(c.iodepth, 1u) : 1;
  AlignedBuffer buf(static_cast<std::size_t>(o.block) * depth, std::max<uint32_t>(alignment, 4096));
  Rng rng(derive_key(c.seed, w, kCkptTag, 0));
  for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
    const uint64_t v = rng.next();
    std::memcpy(buf.data() + i, &v, 8);
  }
  auto engine = make_engine(c);
  Histogram& wlat = st.lat["write"];
  Histogram& flat = st.lat["fsync"];
  XXH3_state_t* hs = XXH3_createState();
  std::vector<unsigned> free_slots;
  std::vector<IoCompletion> done;
  bool failed = false;
  for (std::size_t fi = 0; fi < files.size() && !failed && !ctx.stop(); ++fi) {
    CkptFile& f = files[fi];
    if (f.writer != w) continue;
    XXH3_64bits_reset(hs);
    free_slots.clear();
    for (unsigned i = 0; i < depth; ++i) free_slots.push_back(depth - 1 - i);
    uint64_t next_off = 0;
    while (true) {
      while (!failed && !ctx.stop() && next_off < f.size && !free_slots.empty()) {
        const unsigned slot = free_slots.back();
        free_slots.pop_back();
        char* p = buf.data() + static_cast<std::size_t>(slot) * o.block;
        const auto len = static_cast<uint32_t>(std::min(o.block, f.size - next_off));
        stamp_block(p, len, fi, next_off / o.block);
        XXH3_64bits_update(hs, p, len);
        engine->submit({OpKind::write, fds[fi], p, len, next_off, slot, 0});
        next_off += len;
      }
      if (engine->in_flight() == 0) break;
      done.clear();
      if (const int r = engine->wait(done); r < 0) {
        st.add_error({f.path, -r, "io_uring wait"});
        failed = true;
        break;
      }
      for (const auto& d : done) {
        free_slots.push_back(static_cast<unsigned>(d.op.user));
        if (d.result != static_cast<int64_t>(d.op.len)) {
          const int err =
              d.result < 0 ? static_cast<int>(-d.result) : ENOSPC;  // a short write: the disk is full
          if (err == ENOSPC || err == EDQUOT) full = 1;
          st.add_error({f.path, err, "write"});
          failed = true;
          ctx.request_stop();
          if (d.result > 0)
            f.written += static_cast<uint64_t>(d.result), st.bytes += static_cast<uint64_t>(d.result);
          continue;
        }
        ++st.ops;
        st.bytes += d.op.len;
        f.written += d.op.len;
        wlat.record(static_cast<uint64_t>(d.end_ns - d.op.start_ns));
        ctx.add(1, d.op.len);
      }
    }
    if (failed || f.written != f.size) break;
    if (o.fsync) {
      engine->submit({OpKind::fsync, fds[fi], nullptr, 0, 0, 0, 0});
      done.clear();
      if (const int r = engine->wait(done); r < 0 || done.empty() || done[0].result < 0) {
        const int err = r < 0 ? -r : done.empty() ? EIO : static_cast<int>(-done[0].result);
        if (err == ENOSPC || err == EDQUOT) full = 1;
        st.add_error({f.path, err, "fsync"});
        failed = true;
        ctx.request_stop();
        break;
      }
      flat.record(static_cast<uint64_t>(done[0].end_ns - done[0].op.start_ns));
    }
    ++st.files;
    f.xxh3_64 = fmt::format("{:016x}", XXH3_64bits_digest(hs));
  }
  XXH3_freeState(hs);
}

// --verify: evicts what was written, then reads it back through the cache-cold path and compares.
void verify_files(const CkptOptions& o, CkptResult& out) {
  const CommonOptions& c = o.common;
  for (const auto& f : out.files) drop_cache(f.path);
  Runner vr({c.threads, 0, c.interrupt});
  if (c.live) c.live->store(&vr);
  out.verify = vr.run([&](WorkerContext& ctx, ThreadStats& st) {
    FileHasher hasher(static_cast<std::size_t>(std::max<uint64_t>(o.block, 1 << 20)));
    for (auto& f : out.files) {
      if (f.writer != ctx.thread() || ctx.stop()) continue;
      uint64_t bytes = 0;
      const char* op = nullptr;
      const int64_t t0 = now_ns();
      if (const int err =
              hasher.hash_file(AT_FDCWD, f.path.c_str(), HashAlgo::xxh3_64, f.readback, &bytes, &op)) {
        st.add_error({f.path, err, op ? op : "read"});
        continue;
      }
      st.lat["file"].record(static_cast<uint64_t>(now_ns() - t0));
      st.bytes += bytes;
      ++st.files;
      ++st.ops;
      ctx.add(1, bytes);
    }
  });
  if (c.live) c.live->store(nullptr);
  for (const auto& f : out.files)
    if (f.readback != f.xxh3_64) ++out.mismatches;
}

}  // namespace

std::optional<BenchError> run_ckpt(CkptOptions o, CkptResult& out) {
  CommonOptions& c = o.common;
  if (auto e = resolve_engine(c, out.warnings)) return e;
  if (auto e = check_options(o)) return e;
  Fds fds;
  if (auto e = create_files(o, out, fds)) return e;
  if (auto e = check_alignment(o, out, fds)) return e;

  Runner runner({c.threads, c.duration_s, c.interrupt});
  if (c.live) c.live->store(&runner);
  std::vector<uint8_t> full(c.threads, 0);
  out.write = runner.run([&](WorkerContext& ctx, ThreadStats& st) {
    write_files(o, out.alignment, fds.fds, out.files, ctx, st, full[ctx.thread()]);
  });
  if (c.live) c.live->store(nullptr);
  fds.close_all();
  out.disk_full = std::find(full.begin(), full.end(), 1) != full.end();
  bool complete = !out.write.interrupted;
  for (const auto& t : out.write.threads) complete = complete && t.error_count == 0;
  if (complete && o.verify) verify_files(o, out);
  if (!o.keep) remove_files(out);
  return std::nullopt;
}

std::string ckpt_report_json(const CkptOptions& co, const CkptResult& r, const Summary& s) {
  const Histogram* fsync_lat = s.lat.find("fsync");
  std::string out;
  const ReportHeader h{"ckpt",
                       co.common.engine,
                       co.common.threads,
                       co.common.engine == EngineKind::io_uring ? co.common.iodepth : 1,
                       co.common.direct,
                       co.block};
  const bool complete = s.error_count == 0 && !r.write.interrupted;
  out += '{';
  append_common_json(out, h, s, "write");
  std::string fsync_json;
  append_latency_json(fsync_json, fsync_lat ? *fsync_lat : Histogram{});
  JsonWriter w(out, true);
  w.field("writers", co.common.threads)
      .field("shards", co.shards)
      .field("size_per_writer", co.size)
      .field("fsync", co.fsync)
      .field("complete", complete)
      .field("disk_full", r.disk_full)
      .key("durable_s");
  if (complete && co.fsync)
    w.fixed(s.last_done_s, 6);
  else
    w.null();
  w.field("slowest_writer", s.last_done_thread).key("fsync_latency_ns").raw(fsync_json);
  w.key("per_writer").array();
  for (const auto& t : r.write.threads) {
    const double secs = static_cast<double>(t.end_ns - t.start_ns) / 1e9;
    w.object().field("writer", t.thread).field("bytes", t.bytes).key("seconds").fixed(secs, 6);
    w.key("bandwidth_bytes_per_s")
        .fixed(secs > 0 ? static_cast<double>(t.bytes) / secs : 0.0, 1)
        .end_object();
  }
  w.end_array().key("files").array();
  for (const auto& f : r.files) {
    w.object().field("path", f.path).field("writer", f.writer).field("size", f.size);
    w.field("written", f.written).key("xxh3_64").plain_string(f.xxh3_64).end_object();
  }
  w.end_array().key("verify");
  if (r.verify) {
    const Summary v = summarize(r.verify->threads);
    w.object().field("ok", r.mismatches == 0 && v.error_count == 0).field("mismatches", r.mismatches);
    w.field("bytes", v.bytes).key("seconds").fixed(v.seconds(), 6);
    w.key("bandwidth_bytes_per_s").fixed(v.per_second(v.bytes), 1).end_object();
  } else {
    w.null();
  }
  w.field("removed", r.removed).end_object();
  out += '\n';
  return out;
}

}  // namespace dskit::bench
