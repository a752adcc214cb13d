#include "dskit/bench/report.h"

#include <fmt/format.h>

namespace dskit::bench {

void append_latency_json(std::string& out, const Histogram& h) {
  out += fmt::format(
      "{{\"count\":{},\"min\":{},\"mean\":{:.1f},\"p50\":{},\"p90\":{},\"p99\":{},\"p999\":{},\"p9999\":{},"
      "\"max\":{}}}",
      h.count(), h.min(), h.mean(), h.percentile(50), h.percentile(90), h.percentile(99), h.percentile(99.9),
      h.percentile(99.99), h.max());
}

void append_common_json(std::string& out, const ReportHeader& h, const Summary& s,
                        std::string_view main_latency) {
  out += fmt::format(
      "\"mode\":\"{}\",\"engine\":\"{}\",\"threads\":{},\"iodepth\":{},\"direct\":{},\"block\":{},\"ops\":{},"
      "\"bytes\":{},\"seconds\":{:.6f},\"iops\":{:.1f},\"bandwidth_bytes_per_s\":{:.1f},\"errors\":{},"
      "\"latency_ns\":",
      h.mode, engine_name(h.engine), h.threads, h.iodepth, h.direct, h.block, s.ops, s.bytes, s.seconds(),
      s.per_second(s.ops), s.per_second(s.bytes), s.error_count);
  const Histogram* main = s.lat.find(main_latency);
  append_latency_json(out, main ? *main : Histogram{});
  out += fmt::format(
      ",\"fairness\":{{\"first_done_s\":{:.6f},\"first_done_thread\":{},\"last_done_s\":{:.6f},\"last_done_"
      "thread\":{}}}",
      s.first_done_s, s.first_done_thread, s.last_done_s, s.last_done_thread);
}

void append_threads_json(std::string& out, const std::vector<ThreadStats>& threads) {
  out += "\"per_thread\":[";
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const auto& t = threads[i];
    out += fmt::format("{}{{\"thread\":{},\"ops\":{},\"bytes\":{},\"files\":{},\"seconds\":{:.6f}}}",
                       i ? "," : "", t.thread, t.ops, t.bytes, t.files,
                       static_cast<double>(t.end_ns - t.start_ns) / 1e9);
  }
  out += ']';
}

std::string fairness_line(const Summary& s) {
  return fmt::format("fairness: first thread done at {:.3f}s, last at {:.3f}s\n", s.first_done_s,
                     s.last_done_s);
}

std::string human_ns(uint64_t ns) {
  const double v = static_cast<double>(ns);
  if (ns < 1000) return fmt::format("{}ns", ns);
  if (ns < 1000000) return fmt::format("{:.1f}us", v / 1e3);
  if (ns < 1000000000) return fmt::format("{:.2f}ms", v / 1e6);
  return fmt::format("{:.2f}s", v / 1e9);
}

std::string human_rate(double b) {
  if (b >= 1e9) return fmt::format("{:.2f} GB/s", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB/s", b / 1e6);
  return fmt::format("{:.1f} kB/s", b / 1e3);
}

std::string latency_table(const Latencies& lat) {
  std::string out = fmt::format("{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", "latency",
                                "count", "mean", "p50", "p90", "p99", "p99.9", "p99.99", "max");
  for (const auto& [name, h] : lat.named)
    out += fmt::format("{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", name, h.count(),
                       human_ns(static_cast<uint64_t>(h.mean())), human_ns(h.percentile(50)),
                       human_ns(h.percentile(90)), human_ns(h.percentile(99)), human_ns(h.percentile(99.9)),
                       human_ns(h.percentile(99.99)), human_ns(h.max()));
  return out;
}

std::string timeseries_csv(const std::vector<Sample>& series) {
  std::string out = "t_s,ops,bytes,iops,bandwidth_bytes_per_s\n";
  double prev = 0;
  for (const auto& s : series) {
    const double dt = s.t_s - prev > 0 ? s.t_s - prev : 1.0;
    out += fmt::format("{:.3f},{},{},{:.1f},{:.1f}\n", s.t_s, s.ops, s.bytes, static_cast<double>(s.ops) / dt,
                       static_cast<double>(s.bytes) / dt);
    prev = s.t_s;
  }
  return out;
}

}  // namespace dskit::bench
