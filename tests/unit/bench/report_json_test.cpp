// dsbench's JSON report pieces on fixed figures: the exact bytes of the stable schema (man/dsbench.1).
#include <doctest/doctest.h>

#include "dskit/bench/report.h"

using namespace dskit::bench;

namespace {

Summary fixed_summary() {
  Summary s;
  s.threads = 2;
  s.ops = 1000;
  s.bytes = 4096000;
  s.error_count = 1;
  s.start_ns = 1000;
  s.end_ns = 1000 + 2'500'000'000;
  s.first_done_s = 2.25;
  s.last_done_s = 2.5000004;
  s.first_done_thread = 1;
  s.last_done_thread = 0;
  Histogram& h = s.lat["read"];
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v * 997);
  return s;
}

}  // namespace

TEST_CASE("bench report JSON: common fields, latency object and per-thread rows, byte for byte") {
  const Summary s = fixed_summary();
  ReportHeader h;
  h.mode = "randread";
  h.engine = EngineKind::io_uring;
  h.threads = 2;
  h.iodepth = 32;
  h.direct = false;
  h.block = 4096;
  std::string out = "{";
  append_common_json(out, h, s, "read");
  out += ',';
  std::vector<ThreadStats> threads(2);
  threads[0] = {0, 600, 2457600, 3, 0, 2'500'000'000, {}, {}, 0};
  threads[1] = {1, 400, 1638400, 0, 100, 2'250'000'100, {}, {}, 1};
  append_threads_json(out, threads);
  out += ",\"empty\":";
  append_latency_json(out, Histogram{});
  out += '}';
  CHECK(
      out ==
      R"({"mode":"randread","engine":"io_uring","threads":2,"iodepth":32,"direct":false,"block":4096,"ops":1000,"bytes":4096000,"seconds":2.500000,"iops":400.0,"bandwidth_bytes_per_s":1638400.0,"errors":1,"latency_ns":{"count":1000,"min":997,"mean":498998.5,"p50":498687,"p90":899071,"p99":985087,"p999":997000,"p9999":997000,"max":997000},"fairness":{"first_done_s":2.250000,"first_done_thread":1,"last_done_s":2.500000,"last_done_thread":0},"per_thread":[{"thread":0,"ops":600,"bytes":2457600,"files":3,"seconds":2.500000},{"thread":1,"ops":400,"bytes":1638400,"files":0,"seconds":2.250000}],"empty":{"count":0,"min":0,"mean":0.0,"p50":0,"p90":0,"p99":0,"p999":0,"p9999":0,"max":0}})");
}
