// dsbench across MPI ranks: what one rank measured, packed for the wire (WireWriter) and merged on rank 0.
// Counters and histograms add exactly (bucket by bucket); the job's time is the slowest rank's, so the
// aggregate bandwidth is all ranks' bytes over the slowest rank's time; mode figures either add (samples,
// compute seconds) or take the slowest rank's (a checkpoint's time until durable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/bench/report.h"
#include "dskit/bench/stats.h"

namespace dskit::bench {

void write_histogram(WireWriter& w, const Histogram& h);
bool read_histogram(WireReader& r, Histogram& h);

// A mode's own figure and how ranks combine it.
struct RankValue {
  enum class Merge : uint8_t { sum, max } merge = Merge::sum;
  std::string name;
  double value = 0;
};

struct RankResult {
  int code = 0;  // the rank's exit code (0: ran); a failed rank carries only this
  uint64_t ops = 0, bytes = 0, files = 0, errors = 0;
  double seconds = 0;  // the rank's wall time of the measured phase
  Latencies lat;
  std::vector<RankValue> values;
  double value(std::string_view name) const;  // 0 when absent
};

// The counters, latencies and time of a Summary.
RankResult rank_result(const Summary& s);
std::string encode_rank_result(const RankResult& r);
std::optional<RankResult> decode_rank_result(std::string_view bytes);

struct MergedRanks {
  unsigned ranks = 0;
  RankResult total;              // seconds: the slowest rank's; values merged by their rule
  unsigned slowest = 0;          // the rank with the longest time
  std::vector<unsigned> failed;  // ranks whose code is not 0
  double bandwidth() const {
    return total.seconds > 0 ? static_cast<double>(total.bytes) / total.seconds : 0;
  }
};
// `per_rank` in rank order. Ranks that failed are listed and left out of the sums.
MergedRanks merge_ranks(const std::vector<RankResult>& per_rank);

// The merged report every mode prints under MPI: JSON (`ranks`, the common members over all ranks, the
// mode's values, `slowest_rank`, `latencies`, and `per_rank` when asked) or text.
struct RanksReport {
  ReportHeader header;
  std::string_view main_latency;
  bool json = false;
  bool per_rank = false;
  std::string extra_json;  // members the mode adds (",\"name\":value...")
  std::string extra_text;  // lines the mode adds
};
std::string ranks_report(const RanksReport& rr, const MergedRanks& m,
                         const std::vector<RankResult>& per_rank);

}  // namespace dskit::bench
