// dsbalance --by COLUMN / two inputs: the per-split table and the "splits" JSON member.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dskit/balance_drift.h"

namespace dsbalance {

struct DriftOut {
  std::string by;                   // the manifest column, or "inputs"
  std::vector<std::string> inputs;  // the input paths (two-input form), per split in the report's order
  uint64_t unassigned = 0;          // rows with an empty split cell
  dskit::DriftReport report;
};

std::string drift_text(const DriftOut& d);
std::string drift_json(const DriftOut& d);  // the value of "splits"
// One warning per class missing from a split, and per class of a split that the reference lacks.
std::vector<std::string> drift_warnings(const DriftOut& d);

}  // namespace dsbalance
