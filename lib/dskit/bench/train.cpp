#include "dskit/bench/train.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "dskit/base/json.h"
#include "dskit/bench/file_read.h"
#include "dskit/bench/report.h"
#include "dskit/bench/target.h"
#include "dskit/order/shuffle.h"

namespace dskit::bench {

const std::vector<TrainProfile>& train_profiles() {
  // MLPerf Storage v1.0 workloads as shipped with the DLIO benchmark (dlio_benchmark/configs/workload/
  // <model>_<accelerator>.yaml: dataset.record_length, reader.batch_size, train.computation_time).
  static const std::vector<TrainProfile> profiles = {
      {"resnet50", "a100", 114660, 400, 0.435},   {"resnet50", "h100", 114660, 400, 0.224},
      {"unet3d", "a100", 146600628, 7, 0.636},    {"unet3d", "h100", 146600628, 7, 0.323},
      {"cosmoflow", "a100", 2828486, 1, 0.00551}, {"cosmoflow", "h100", 2828486, 1, 0.00350},
  };
  return profiles;
}

std::optional<TrainProfile> find_train_profile(std::string_view model, std::string_view accelerator) {
  for (const auto& p : train_profiles())
    if (p.model == model && p.accelerator == accelerator) return p;
  return std::nullopt;
}

namespace {

// One accelerator's prefetch queue: readers claim batch k while k < consumed + prefetch and mark its slot
// (k % prefetch) ready; the accelerator takes batches in order.
struct Queue {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t next = 0;      // next batch a reader claims
  uint64_t consumed = 0;  // batches the accelerator has taken
  uint64_t count = 0;     // batches this accelerator runs
  std::vector<uint8_t> ready;
  std::vector<StepTimes> steps;
  uint64_t samples = 0, bytes = 0;
};

constexpr auto kPoll = std::chrono::milliseconds(20);

void sleep_until(int64_t t_ns) {
  const timespec ts{static_cast<time_t>(t_ns / 1000000000), static_cast<long>(t_ns % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

std::optional<BenchError> run_train(TrainOptions o, const std::vector<DatasetFile>& files, TrainResult& out) {
  CommonOptions& c = o.common;
  if (auto e = resolve_engine(c, out.warnings)) return e;
  if (files.empty()) return BenchError{ErrorKind::usage, "no samples to read"};
  if (o.accelerators == 0) return BenchError{ErrorKind::usage, "--accelerators must be at least 1"};
  if (o.prefetch == 0) return BenchError{ErrorKind::usage, "--prefetch must be at least 1"};
  if (o.batch == 0) return BenchError{ErrorKind::usage, "--batch must be at least 1"};
  if (!(o.compute_s >= 0) || o.compute_s > 3600)
    return BenchError{ErrorKind::usage, "--compute-time must be 0 to 3600 seconds"};
  if (o.steps == 0 && o.epochs == 0) return BenchError{ErrorKind::usage, "--epochs must be at least 1"};
  SampleReads reads;
  if (auto e = prepare_whole_file_reads(c, files, o.pack, o.block, reads, out.warnings)) return e;
  out.dataset_bytes = reads.dataset_bytes;
  out.alignment = reads.alignment;

  const unsigned N = o.accelerators;
  const uint64_t n = files.size();
  const uint64_t total_samples = o.steps ? o.steps * N * o.batch : n * o.epochs;
  const uint64_t total_batches = (total_samples + o.batch - 1) / o.batch;
  std::vector<EpochOrder> orders;
  for (uint64_t e = 0; e * n < total_samples; ++e) {
    ShuffleOptions so;
    so.seed = c.seed;
    so.epoch = e;
    orders.emplace_back(n, so);
  }
  std::vector<Queue> queues(N);
  for (unsigned a = 0; a < N; ++a) {
    Queue& q = queues[a];
    q.count = total_batches / N + (a < total_batches % N ? 1 : 0);
    q.ready.assign(o.prefetch, 0);
    q.steps.reserve(q.count);
  }
  auto sample_at = [&](uint64_t g) -> const DatasetFile& { return files[orders[g / n].at(g % n)]; };
  auto batch_range = [&](unsigned a, uint64_t k) {
    const uint64_t j = k * N + a;
    return std::pair{j * o.batch, std::min((j + 1) * o.batch, total_samples)};
  };

  const unsigned R = c.threads;
  const int64_t compute_ns = static_cast<int64_t>(o.compute_s * 1e9);
  // The counted steps (1 on) of all accelerators start together once each has had its first batch, as in a
  // data-parallel job: otherwise accelerators whose first batch came late would run their steps while the
  // early ones are done, and the excluded first step would hide how many readers compete.
  std::barrier start(static_cast<std::ptrdiff_t>(N));
  Runner runner({N * R + N, c.duration_s, c.interrupt});
  if (c.live) c.live->store(&runner);
  out.phase = runner.run([&](WorkerContext& ctx, ThreadStats& st) {
    const unsigned w = ctx.thread();
    if (w < N * R) {  // a reader of accelerator w / R
      const unsigned a = w / R;
      Queue& q = queues[a];
      WholeFileReader reader(c, o.block, reads);
      const FileLatencies lat{o.pack ? nullptr : &st.lat["open"], nullptr, &st.lat["read"], nullptr};
      Histogram& lbatch = st.lat["batch"];
      while (true) {
        uint64_t k = 0;
        {
          std::unique_lock lk(q.mu);
          while (!ctx.stop() && q.next < q.count && q.next >= q.consumed + o.prefetch)
            q.cv.wait_for(lk, kPoll);
          if (ctx.stop() || q.next >= q.count) break;
          k = q.next++;
        }
        const int64_t t0 = now_ns();
        const auto [begin, end] = batch_range(a, k);
        for (uint64_t g = begin; g < end && !ctx.stop(); ++g) reader.read(sample_at(g), ctx, st, lat);
        lbatch.record(static_cast<uint64_t>(now_ns() - t0));
        {
          std::lock_guard lk(q.mu);
          q.ready[k % o.prefetch] = 1;
        }
        q.cv.notify_all();
      }
      return;
    }
    const unsigned a = w - N * R;  // accelerator a's compute loop
    Queue& q = queues[a];
    Histogram& lwait = st.lat["wait"];
    Histogram& lstep = st.lat["step"];
    bool started = false;  // passed the start barrier (or left it)
    for (uint64_t k = 0; k < q.count; ++k) {
      if (k == 1) {
        start.arrive_and_wait();
        started = true;
      }
      StepTimes t;
      t.request_ns = now_ns();
      {
        std::unique_lock lk(q.mu);
        while (!ctx.stop() && !q.ready[k % o.prefetch]) q.cv.wait_for(lk, kPoll);
        if (!q.ready[k % o.prefetch]) break;
        q.ready[k % o.prefetch] = 0;
        q.consumed = k + 1;
      }
      q.cv.notify_all();
      t.ready_ns = now_ns();
      lwait.record(static_cast<uint64_t>(t.ready_ns - t.request_ns));
      sleep_until(t.ready_ns + compute_ns);
      t.done_ns = now_ns();
      t = nominal_step(t, compute_ns);  // a late wake-up is waiting, not computing
      lstep.record(static_cast<uint64_t>(t.done_ns - t.request_ns));
      const auto [begin, end] = batch_range(a, k);
      q.samples += end - begin;
      for (uint64_t g = begin; g < end; ++g) q.bytes += sample_at(g).size;
      q.steps.push_back(t);
    }
    if (!started) start.arrive_and_drop();
    // Wake readers parked on a full queue so they see the end (or the stop).
    {
      std::lock_guard lk(q.mu);
      q.count = std::min(q.count, q.consumed);
    }
    q.cv.notify_all();
  });
  if (c.live) c.live->store(nullptr);
  std::vector<StepAccount> accounts;
  for (unsigned a = 0; a < N; ++a) {
    const Queue& q = queues[a];
    AcceleratorResult r{a, q.steps.size(), q.samples, q.bytes, account_steps(q.steps)};
    if (!r.account.au)
      out.warnings.push_back(fmt::format(
          "accelerator {} ran {} step(s): AU needs at least 2 (the first is not counted)", a, r.steps));
    out.samples += r.samples;
    accounts.push_back(r.account);
    out.accelerators.push_back(r);
  }
  out.total = combine_accounts(accounts);
  return std::nullopt;
}

std::string train_report_json(const TrainOptions& to, const TrainResult& r, const Summary& s,
                              std::string_view data, std::string_view model, std::string_view accelerator,
                              uint64_t files, bool prepared) {
  const ReportHeader h = read_header("train", to.common, to.block);
  std::string out = "{";
  append_common_json(out, h, s, "read");
  JsonWriter w(out, true);
  // "au" (null before a measured step), "compute_s", "wait_s" of one accelerator or of all.
  const auto account = [&w](const StepAccount& a) -> JsonWriter& {
    w.key("au");
    if (a.au)
      w.fixed(*a.au, 6);
    else
      w.null();
    return w.key("compute_s").fixed(a.compute_s, 6).key("wait_s").fixed(a.wait_s, 6);
  };
  w.field("data", data).field("prepared", prepared);
  append_dataset_format_json(w, to.pack);
  w.field("dataset_files", files)
      .field("dataset_bytes", r.dataset_bytes)
      .key("profile")
      .plain_string(model)
      .key("accelerator")
      .plain_string(accelerator)
      .field("accelerators", to.accelerators)
      .field("readers_per_accelerator", to.common.threads)
      .field("prefetch", to.prefetch)
      .field("batch", to.batch)
      .key("compute_time_s")
      .fixed(to.compute_s, 6)
      .field("steps", r.total.steps)
      .field("samples", r.samples)
      .key("samples_per_s")
      .fixed(s.per_second(r.samples), 1);
  account(r.total)
      .field("alignment", r.alignment)
      .field("interrupted", r.phase.interrupted)
      .key("per_accelerator")
      .array();
  for (const auto& a : r.accelerators) {
    w.object()
        .field("accelerator", a.index)
        .field("steps", a.steps)
        .field("samples", a.samples)
        .field("bytes", a.bytes);
    account(a.account)
        .key("samples_per_s")
        .fixed(s.per_second(a.samples), 1)
        .key("bandwidth_bytes_per_s")
        .fixed(s.per_second(a.bytes), 1)
        .end_object();
  }
  w.end_array();
  finish_read_json(out, r.phase, s.lat);
  return out;
}

}  // namespace dskit::bench
