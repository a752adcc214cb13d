#include "dskit/bench/report.h"

#include <fmt/format.h>

#include "dskit/base/json.h"

namespace dskit::bench {

namespace {

void latency_object(JsonWriter& w, const Histogram& h) {
  w.object().field("count", h.count()).field("min", h.min()).key("mean").fixed(h.mean(), 1);
  w.field("p50", h.percentile(50)).field("p90", h.percentile(90)).field("p99", h.percentile(99));
  w.field("p999", h.percentile(99.9)).field("p9999", h.percentile(99.99)).field("max", h.max());
  w.end_object();
}

}  // namespace

ReportHeader read_header(std::string_view mode, const CommonOptions& c, uint64_t block) {
  return {mode, c.engine, c.threads, c.engine == EngineKind::io_uring ? c.iodepth : 1, c.direct, block};
}

void append_rates_json(JsonWriter& w, double seconds, uint64_t ops, uint64_t bytes) {
  const auto rate = [seconds](uint64_t n) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; };
  w.key("seconds").fixed(seconds, 6).key("iops").fixed(rate(ops), 1);
  w.key("bandwidth_bytes_per_s").fixed(rate(bytes), 1);
}

void finish_read_json(std::string& out, const PhaseResult& phase, const Latencies& lat) {
  JsonWriter(out, true).key("latencies").object();
  append_latencies_json(out, lat);
  out += "},";
  append_threads_json(out, phase.threads);
  out += "}\n";
}

void append_latency_json(std::string& out, const Histogram& h) {
  JsonWriter w(out);
  latency_object(w, h);
}

void append_common_json(std::string& out, const ReportHeader& h, const Summary& s,
                        std::string_view main_latency) {
  JsonWriter w(out);
  w.field("mode", h.mode).field("engine", engine_name(h.engine)).field("threads", h.threads);
  w.field("iodepth", h.iodepth).field("direct", h.direct).field("block", h.block);
  w.field("ops", s.ops).field("bytes", s.bytes);
  append_rates_json(w, s.seconds(), s.ops, s.bytes);
  w.field("errors", s.error_count).key("latency_ns");
  const Histogram* main = s.lat.find(main_latency);
  latency_object(w, main ? *main : Histogram{});
  w.key("fairness").object().key("first_done_s").fixed(s.first_done_s, 6);
  w.field("first_done_thread", s.first_done_thread).key("last_done_s").fixed(s.last_done_s, 6);
  w.field("last_done_thread", s.last_done_thread).end_object();
}

void append_latencies_json(std::string& out, const Latencies& lat) {
  JsonWriter w(out);
  for (const auto& [name, h] : lat.named) {
    std::string one;
    append_latency_json(one, h);
    w.key(name).raw(one);
  }
}

void append_threads_json(std::string& out, const std::vector<ThreadStats>& threads) {
  JsonWriter w(out);
  w.key("per_thread").array();
  for (const auto& t : threads) {
    w.object().field("thread", t.thread).field("ops", t.ops).field("bytes", t.bytes).field("files", t.files);
    w.key("seconds").fixed(static_cast<double>(t.end_ns - t.start_ns) / 1e9, 6).end_object();
  }
  w.end_array();
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

void append_dataset_format_json(JsonWriter& w, const pack::PackSamples* pack) {
  w.key("format").plain_string(pack ? "pack" : "files").key("pack");
  if (!pack) {
    w.null();
    return;
  }
  w.object()
      .field("dir", pack->dir)
      .field("samples", pack->samples())
      .field("members", pack->members.size())
      .field("shards", pack->shards.size())
      .field("bytes", pack->bytes)
      .end_object();
}

std::string dataset_format_text(const pack::PackSamples* pack) {
  if (!pack) return {};
  return fmt::format("pack of {} samples, {} members in {} shards  ", pack->samples(), pack->members.size(),
                     pack->shards.size());
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
