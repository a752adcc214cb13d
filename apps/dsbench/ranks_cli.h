// dsbench under mpirun/srun: the rank gate as dsbench uses it (the protocol itself is in
// lib/dskit/bench/gate.h), and rank 0's merged report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/gate.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/report.h"

namespace dsbench {

// The rank protocol (lib/dskit/bench/gate.h), its messages and report printed by dsbench.
using dskit::bench::rank_budgets;
using dskit::bench::rank_share;
using dskit::bench::RankGate;
dskit::bench::GateOutput gate_output(const std::string& output);

using dskit::bench::append_latencies_json;

// The merged report every mode prints under MPI: JSON (`ranks`, the common members over all ranks, the
// mode's values, `slowest_rank`, `latencies`, and `per_rank` when asked) or text.
struct RanksReport {
  dskit::bench::ReportHeader header;
  std::string_view main_latency;
  bool json = false;
  bool per_rank = false;
  std::string extra_json;  // members the mode adds (",\"name\":value...")
  std::string extra_text;  // lines the mode adds
};
// The report's settings from a mode's options: threads, the engine in force, iodepth (io_uring only),
// O_DIRECT.
RanksReport ranks_header(std::string_view mode, const dskit::bench::CommonOptions& c, uint64_t block,
                         std::string_view main_latency, bool json, bool per_rank);
std::string ranks_report(const RanksReport& rr, const dskit::bench::MergedRanks& m,
                         const std::vector<dskit::bench::RankResult>& per_rank);

}  // namespace dsbench
