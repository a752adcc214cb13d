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

}  // namespace dsbench
