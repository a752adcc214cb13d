#include "ranks_cli.h"

#include <fmt/format.h>

#include <algorithm>

#include "bench_cli.h"
#include "cli/tool.h"

namespace dsbench {

using namespace dskit::bench;

GateOutput gate_output(const std::string& output) {
  return {[](const std::string& m) { error(m); },
          [output](const std::string& text) { return print_report(output, text); }};
}

RanksReport ranks_header(std::string_view mode, const CommonOptions& c, uint64_t block,
                         std::string_view main_latency, bool json, bool per_rank) {
  return {{mode, c.engine, c.threads, c.engine == EngineKind::io_uring ? c.iodepth : 1, c.direct, block},
          main_latency,
          json,
          per_rank,
          "",
          ""};
}

std::string ranks_report(const RanksReport& rr, const MergedRanks& m,
                         const std::vector<RankResult>& per_rank) {
  const RankResult& t = m.total;
  const double secs = t.seconds;
  auto rate = [&](uint64_t n) { return secs > 0 ? static_cast<double>(n) / secs : 0.0; };
  std::string out;
  if (rr.json) {
    out = fmt::format(
        "{{\"mode\":\"{}\",\"ranks\":{},\"engine\":\"{}\",\"threads\":{},\"iodepth\":{},\"direct\":{},"
        "\"block\":{},\"ops\":{},\"bytes\":{},\"files\":{},\"seconds\":{:.6f},\"iops\":{:.1f},"
        "\"bandwidth_bytes_per_s\":{:.1f},\"errors\":{},\"slowest_rank\":{},\"failed_ranks\":{},\"latency_"
        "ns\":",
        rr.header.mode, m.ranks, engine_name(rr.header.engine), rr.header.threads, rr.header.iodepth,
        rr.header.direct, rr.header.block, t.ops, t.bytes, t.files, secs, rate(t.ops), m.bandwidth(),
        t.errors, m.slowest, m.failed.size());
    const Histogram* main = t.lat.find(rr.main_latency);
    append_latency_json(out, main ? *main : Histogram{});
    for (const auto& v : t.values) out += fmt::format(",\"{}\":{:.6f}", v.name, v.value);
    out += rr.extra_json;
    out += ",\"latencies\":{";
    append_latencies_json(out, t.lat);
    out += '}';
    if (rr.per_rank) {
      out += ",\"per_rank\":[";
      for (std::size_t i = 0; i < per_rank.size(); ++i) {
        const auto& r = per_rank[i];
        out += fmt::format(
            "{}{{\"rank\":{},\"code\":{},\"ops\":{},\"bytes\":{},\"files\":{},\"errors\":{},\"seconds\":{:."
            "6f},"
            "\"bandwidth_bytes_per_s\":{:.1f},\"latencies\":{{",
            i ? "," : "", i, r.code, r.ops, r.bytes, r.files, r.errors, r.seconds,
            r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0.0);
        append_latencies_json(out, r.lat);
        out += '}';
        for (const auto& v : r.values) out += fmt::format(",\"{}\":{:.6f}", v.name, v.value);
        out += '}';
      }
      out += ']';
    }
    out += "}\n";
    return out;
  }
  out = fmt::format("dsbench {}  ranks {}  engine {}  threads {} per rank  iodepth {}  block {}  {}\n",
                    rr.header.mode, m.ranks, engine_name(rr.header.engine), rr.header.threads,
                    rr.header.iodepth, rr.header.block, rr.header.direct ? "O_DIRECT" : "buffered");
  out += fmt::format(
      "all ranks: ops {}  bytes {}  files {}  errors {}  seconds {:.3f} (slowest: rank {})  IOPS {:.0f}  {} "
      "aggregate\n",
      t.ops, t.bytes, t.files, t.errors, secs, m.slowest, rate(t.ops), human_rate(m.bandwidth()));
  out += rr.extra_text;
  if (rr.per_rank)
    for (std::size_t i = 0; i < per_rank.size(); ++i) {
      const auto& r = per_rank[i];
      out += fmt::format("  rank {}: ops {}  bytes {}  files {}  errors {}  seconds {:.3f}  {}{}\n", i, r.ops,
                         r.bytes, r.files, r.errors, r.seconds,
                         human_rate(r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0.0),
                         r.code ? fmt::format("  FAILED (exit {})", r.code) : "");
    }
  out += latency_table(t.lat);
  return out;
}

}  // namespace dsbench
