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

using dskit::bench::RanksReport;
// The report's settings from a mode's options: threads, the engine in force, iodepth (io_uring only),
// O_DIRECT.
RanksReport ranks_header(std::string_view mode, const dskit::bench::CommonOptions& c, uint64_t block,
                         std::string_view main_latency, bool json, bool per_rank);
using dskit::bench::ranks_report;

}  // namespace dsbench
