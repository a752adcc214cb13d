#include "dskit/bench/runner.h"

#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <thread>

#include "dskit/bench/engine.h"

namespace dskit::bench {

struct alignas(64) Runner::Counters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> bytes{0};
};

bool WorkerContext::stop() const {
  return runner_->stop_.load(std::memory_order_relaxed);
}
void WorkerContext::request_stop() {
  runner_->stop_.store(true, std::memory_order_relaxed);
}

Runner::Runner(RunOptions o) : o_(o), counters_(new Counters[o.threads ? o.threads : 1]) {
  if (o_.threads == 0) o_.threads = 1;
}
Runner::~Runner() = default;

uint64_t Runner::live_ops() const {
  uint64_t n = 0;
  for (unsigned i = 0; i < o_.threads; ++i) n += counters_[i].ops.load(std::memory_order_relaxed);
  return n;
}
uint64_t Runner::live_bytes() const {
  uint64_t n = 0;
  for (unsigned i = 0; i < o_.threads; ++i) n += counters_[i].bytes.load(std::memory_order_relaxed);
  return n;
}

PhaseResult Runner::run(const Body& body) {
  PhaseResult res;
  res.threads.resize(o_.threads);
  std::mutex mu;
  std::condition_variable cv;
  unsigned running = o_.threads;
  std::latch ready(static_cast<std::ptrdiff_t>(o_.threads) + 1);
  std::vector<std::thread> workers;
  workers.reserve(o_.threads);
  for (unsigned t = 0; t < o_.threads; ++t) {
    workers.emplace_back([&, t] {
      WorkerContext ctx;
      ctx.runner_ = this;
      ctx.thread_ = t;
      ctx.ops_ = &counters_[t].ops;
      ctx.bytes_ = &counters_[t].bytes;
      ThreadStats& st = res.threads[t];
      st.thread = t;
      ready.arrive_and_wait();
      st.start_ns = now_ns();
      body(ctx, st);
      st.end_ns = now_ns();
      std::lock_guard lk(mu);
      if (--running == 0) cv.notify_all();
    });
  }
  ready.arrive_and_wait();
  const int64_t start = now_ns();
  const auto interval = std::chrono::duration<double>(o_.sample_interval_s);
  const auto tick = std::chrono::milliseconds(50);  // how often the stop flag and the deadline are checked
  uint64_t last_ops = 0, last_bytes = 0;
  int64_t next_sample = start + static_cast<int64_t>(o_.sample_interval_s * 1e9);
  std::unique_lock lk(mu);
  while (running > 0) {
    cv.wait_for(lk, std::min<std::chrono::nanoseconds>(
                        tick, std::chrono::duration_cast<std::chrono::nanoseconds>(interval)));
    if (running == 0) break;
    const int64_t now = now_ns();
    if (o_.interrupt && o_.interrupt->load(std::memory_order_relaxed) && !stop_.load()) {
      res.interrupted = true;
      stop_.store(true);
    }
    if (o_.duration_s > 0 && static_cast<double>(now - start) / 1e9 >= o_.duration_s && !stop_.load()) {
      res.timed_out = true;
      stop_.store(true);
    }
    if (now >= next_sample) {
      const uint64_t ops = live_ops(), bytes = live_bytes();
      res.series.push_back({static_cast<double>(now - start) / 1e9, ops - last_ops, bytes - last_bytes});
      last_ops = ops;
      last_bytes = bytes;
      next_sample += static_cast<int64_t>(o_.sample_interval_s * 1e9);
    }
  }
  lk.unlock();
  for (auto& w : workers) w.join();
  const uint64_t ops = live_ops(), bytes = live_bytes();
  if (ops != last_ops || bytes != last_bytes || res.series.empty())
    res.series.push_back({static_cast<double>(now_ns() - start) / 1e9, ops - last_ops, bytes - last_bytes});
  if (o_.interrupt && o_.interrupt->load()) res.interrupted = true;
  return res;
}

}  // namespace dskit::bench
