#include "dskit/bench/dataset_read.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "dskit/base/json.h"
#include "dskit/bench/file_read.h"
#include "dskit/bench/report.h"
#include "dskit/bench/target.h"
#include "dskit/order/shuffle.h"

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
  if (o.epochs == 0) return BenchError{ErrorKind::usage, "--epochs must be at least 1"};
  SampleReads reads;
  if (auto e = prepare_whole_file_reads(c, files, o.pack, o.block, reads, out.warnings)) return e;
  out.dataset_bytes = reads.dataset_bytes;
  out.alignment = reads.alignment;

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
    WholeFileReader reader(c, o.block, reads);
    // A pack's shards are open already: no "open" latency.
    const FileLatencies lat{o.pack ? nullptr : &st.lat["open"], &st.lat["first_byte"], &st.lat["read"],
                            &st.lat["file"]};
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
      reader.read(f, ctx, st, lat);
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

std::string dataset_read_report_json(const DatasetReadOptions& dro, const DatasetReadResult& r,
                                     const Summary& s, std::string_view data, bool prepared,
                                     std::size_t dataset_files) {
  const ReportHeader h = read_header("randread", dro.common, dro.block);
  std::string out;
  out += '{';
  append_common_json(out, h, s, "file");
  JsonWriter w(out, true);
  w.field("data", data).field("prepared", prepared);
  append_dataset_format_json(w, dro.pack);
  // A pack's samples count as its files: "files" and "samples" are one number, whatever was read.
  w.field("dataset_files", dataset_files)
      .field("dataset_bytes", r.dataset_bytes)
      .field("epochs", dro.epochs)
      .field("files", s.files)
      .key("files_per_s")
      .fixed(s.per_second(s.files), 1)
      .field("samples", s.files)
      .key("samples_per_s")
      .fixed(s.per_second(s.files), 1)
      .field("alignment", r.alignment)
      .field("interrupted", r.phase.interrupted);
  finish_read_json(out, r.phase, s.lat);
  return out;
}

}  // namespace dskit::bench
