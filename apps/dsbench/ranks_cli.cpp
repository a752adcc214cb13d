#include "ranks_cli.h"

#include <fmt/format.h>

#include <algorithm>

#include "bench_cli.h"
#include "cli/tool.h"

namespace dsbench {

using namespace dskit::bench;

namespace {
std::string code_bytes(int code) {
  dskit::WireWriter w;
  w.i64(code);
  return std::move(w.bytes());
}
}  // namespace

int RankGate::agree_failure(int my_code) {
  const auto codes = comm_.gather(code_bytes(my_code));
  std::string job;
  if (comm_.is_root()) {
    int first = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      dskit::WireReader r(codes[i]);
      const int c = static_cast<int>(r.i64());
      if (c == 0) continue;
      error(fmt::format("rank {} of {} failed (exit {}); no result", i, codes.size(), c));
      if (!first) first = c;
    }
    job = code_bytes(first ? first : dskit::app::kExitPartial);
  }
  const std::string agreed = comm_.broadcast(job);  // the reader views it: keep it alive
  dskit::WireReader r(agreed);
  code_ = static_cast<int>(r.i64());
  state_ = State::finished;
  return code_;
}

bool RankGate::start() {
  if (!mpi()) {
    state_ = State::started;
    return true;
  }
  if (!comm_.all_ok(true)) {
    agree_failure(0);
    return false;
  }
  comm_.barrier();
  state_ = State::started;
  return true;
}

bool RankGate::ready() {
  if (!mpi()) return true;
  if (!comm_.all_ok(true)) {
    agree_failure(0);
    return false;
  }
  return true;
}

int RankGate::finish(const RankResult& mine, const Report& report) {
  state_ = State::finished;
  const auto parts = comm_.gather(encode_rank_result(mine));
  std::string job;
  if (comm_.is_root()) {
    std::vector<RankResult> all;
    int code = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto r = decode_rank_result(parts[i]);
      if (!r) {
        error(fmt::format("rank {}: unreadable result", i));
        r = RankResult{};
        r->code = dskit::app::kExitPartial;
      }
      if (r->code) {
        error(
            fmt::format("rank {} of {} failed (exit {}); its result is left out", i, parts.size(), r->code));
        if (!code) code = r->code;
      }
      all.push_back(std::move(*r));
    }
    const MergedRanks m = merge_ranks(all);
    if (const int rc = print_report(report(m, all)); rc && !code) code = rc;
    if (!code && m.total.errors) code = dskit::app::kExitPartial;
    job = code_bytes(code);
  }
  const std::string agreed = comm_.broadcast(job);  // the reader views it: keep it alive
  dskit::WireReader r(agreed);
  code_ = static_cast<int>(r.i64());
  return code_;
}

int RankGate::close(int rc) {
  if (!mpi()) return rc;
  switch (state_) {
    case State::setup:
      if (comm_.all_ok(false)) return rc;  // cannot happen: this rank said no
      return agree_failure(rc ? rc : dskit::app::kExitPartial);
    case State::started: {
      RankResult failed;
      failed.code = rc ? rc : dskit::app::kExitPartial;
      return finish(failed, [](const MergedRanks&, const std::vector<RankResult>&) { return std::string(); });
    }
    case State::finished:
      break;
  }
  return code_ ? code_ : rc;
}

std::vector<DatasetFile> rank_share(const std::vector<DatasetFile>& files, const RankGate& gate) {
  std::vector<DatasetFile> mine;
  for (std::size_t i = static_cast<std::size_t>(gate.rank()); i < files.size();
       i += static_cast<std::size_t>(gate.size()))
    mine.push_back(files[i]);
  return mine;
}

void rank_budgets(CommonOptions& c, const RankGate& gate) {
  if (!gate.mpi()) return;
  const auto n = static_cast<unsigned>(gate.size()), me = static_cast<unsigned>(gate.rank());
  if (c.ops) c.ops = std::max<uint64_t>(share(c.ops, n, me), 1);
  if (c.bytes) c.bytes = std::max<uint64_t>(share(c.bytes, n, me), 1);
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
    bool first = true;
    for (const auto& [name, h] : t.lat.named) {
      out += fmt::format("{}\"{}\":", first ? "" : ",", name);
      append_latency_json(out, h);
      first = false;
    }
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
        bool f = true;
        for (const auto& [name, h] : r.lat.named) {
          out += fmt::format("{}\"{}\":", f ? "" : ",", name);
          append_latency_json(out, h);
          f = false;
        }
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
