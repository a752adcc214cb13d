#include "dskit/bench/ranks.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "dskit/base/json.h"

namespace dskit::bench {

namespace {
uint64_t bits(double v) {
  return std::bit_cast<uint64_t>(v);
}
double from_bits(uint64_t v) {
  return std::bit_cast<double>(v);
}
}  // namespace

void write_histogram(WireWriter& w, const Histogram& h) {
  w.u64(h.count());
  w.u64(h.sum());
  w.u64(h.min());
  w.u64(h.max());
  const auto& b = h.buckets();
  uint64_t nonzero = 0;
  for (const uint64_t c : b) nonzero += c != 0;
  w.u64(nonzero);
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b[i]) {
      w.u64(i);
      w.u64(b[i]);
    }
}

bool read_histogram(WireReader& r, Histogram& h) {
  const uint64_t count = r.u64(), sum = r.u64(), min = r.u64(), max = r.u64(), nonzero = r.u64();
  if (r.failed() || nonzero > Histogram::kBuckets) return false;
  std::vector<uint64_t> counts(Histogram::kBuckets, 0);
  for (uint64_t k = 0; k < nonzero; ++k) {
    const uint64_t i = r.u64(), c = r.u64();
    if (r.failed() || i >= Histogram::kBuckets) return false;
    counts[i] = c;
  }
  return h.assign(std::move(counts), count, sum, min, max);
}

double RankResult::value(std::string_view name) const {
  for (const auto& v : values)
    if (v.name == name) return v.value;
  return 0;
}

RankResult rank_result(const Summary& s) {
  RankResult r;
  r.ops = s.ops;
  r.bytes = s.bytes;
  r.files = s.files;
  r.errors = s.error_count;
  r.seconds = s.seconds();
  r.lat = s.lat;
  return r;
}

std::string encode_rank_result(const RankResult& r) {
  WireWriter w;
  w.i64(r.code);
  w.u64(r.ops);
  w.u64(r.bytes);
  w.u64(r.files);
  w.u64(r.errors);
  w.u64(bits(r.seconds));
  w.u64(r.lat.named.size());
  for (const auto& [name, h] : r.lat.named) {
    w.str(name);
    write_histogram(w, h);
  }
  w.u64(r.values.size());
  for (const auto& v : r.values) {
    w.u64(static_cast<uint64_t>(v.merge));
    w.str(v.name);
    w.u64(bits(v.value));
  }
  return std::move(w.bytes());
}

std::optional<RankResult> decode_rank_result(std::string_view bytes) {
  WireReader rd(bytes);
  RankResult r;
  r.code = static_cast<int>(rd.i64());
  r.ops = rd.u64();
  r.bytes = rd.u64();
  r.files = rd.u64();
  r.errors = rd.u64();
  r.seconds = from_bits(rd.u64());
  const uint64_t nlat = rd.u64();
  if (rd.failed() || nlat > 1024) return std::nullopt;
  for (uint64_t i = 0; i < nlat; ++i) {
    const std::string name(rd.str());
    if (!read_histogram(rd, r.lat[name])) return std::nullopt;
  }
  const uint64_t nval = rd.u64();
  if (rd.failed() || nval > 1024) return std::nullopt;
  for (uint64_t i = 0; i < nval; ++i) {
    RankValue v;
    const uint64_t m = rd.u64();
    if (m > 1) return std::nullopt;
    v.merge = static_cast<RankValue::Merge>(m);
    v.name = std::string(rd.str());
    v.value = from_bits(rd.u64());
    r.values.push_back(std::move(v));
  }
  if (rd.failed() || !rd.done()) return std::nullopt;
  return r;
}

MergedRanks merge_ranks(const std::vector<RankResult>& per_rank) {
  MergedRanks m;
  m.ranks = static_cast<unsigned>(per_rank.size());
  for (unsigned i = 0; i < per_rank.size(); ++i) {
    const RankResult& r = per_rank[i];
    if (r.code != 0) {
      m.failed.push_back(i);
      continue;
    }
    m.total.ops += r.ops;
    m.total.bytes += r.bytes;
    m.total.files += r.files;
    m.total.errors += r.errors;
    if (r.seconds > m.total.seconds) {
      m.total.seconds = r.seconds;
      m.slowest = i;
    }
    m.total.lat.merge(r.lat);
    for (const auto& v : r.values) {
      auto it = std::find_if(m.total.values.begin(), m.total.values.end(),
                             [&](const RankValue& t) { return t.name == v.name; });
      if (it == m.total.values.end()) {
        m.total.values.push_back(v);
        continue;
      }
      it->value = v.merge == RankValue::Merge::max ? std::max(it->value, v.value) : it->value + v.value;
    }
  }
  return m;
}

std::string ranks_report(const RanksReport& rr, const MergedRanks& m,
                         const std::vector<RankResult>& per_rank) {
  const RankResult& t = m.total;
  const double secs = t.seconds;
  auto rate = [&](uint64_t n) { return secs > 0 ? static_cast<double>(n) / secs : 0.0; };
  std::string out;
  if (rr.json) {
    const Histogram* main = t.lat.find(rr.main_latency);
    std::string lat;
    append_latency_json(lat, main ? *main : Histogram{});
    JsonWriter w(out);
    w.object()
        .key("mode")
        .plain_string(rr.header.mode)
        .field("ranks", m.ranks)
        .key("engine")
        .plain_string(engine_name(rr.header.engine))
        .field("threads", rr.header.threads)
        .field("iodepth", rr.header.iodepth)
        .field("direct", rr.header.direct)
        .field("block", rr.header.block)
        .field("ops", t.ops)
        .field("bytes", t.bytes)
        .field("files", t.files);
    append_rates_json(w, secs, t.ops, t.bytes);
    w.field("errors", t.errors)
        .field("slowest_rank", m.slowest)
        .field("failed_ranks", m.failed.size())
        .key("latency_ns")
        .raw(lat);
    for (const auto& v : t.values) w.key(v.name).fixed(v.value, 6);
    out += rr.extra_json;
    w.key("latencies").object();
    append_latencies_json(out, t.lat);
    w.end_object();
    if (rr.per_rank) {
      w.key("per_rank").array();
      for (std::size_t i = 0; i < per_rank.size(); ++i) {
        const auto& r = per_rank[i];
        w.object()
            .field("rank", i)
            .field("code", r.code)
            .field("ops", r.ops)
            .field("bytes", r.bytes)
            .field("files", r.files)
            .field("errors", r.errors)
            .key("seconds")
            .fixed(r.seconds, 6)
            .key("bandwidth_bytes_per_s")
            .fixed(r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0.0, 1)
            .key("latencies")
            .object();
        append_latencies_json(out, r.lat);
        w.end_object();
        for (const auto& v : r.values) w.key(v.name).fixed(v.value, 6);
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
    out += '\n';
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

}  // namespace dskit::bench
