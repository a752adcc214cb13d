// dsbalance --by COLUMN / two inputs: the per-split table and the "splits" JSON member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dskit/balance/drift.h"

namespace dsbalance {

// The class column of the text tables: at most this wide (names cut with an ellipsis), or narrower on a
// narrow terminal (see table_name_max).
inline constexpr std::size_t kNameMax = 40;
// kNameMax, or what fits a terminal of `columns` (0: not a terminal) next to the count, share and bar
// columns, at least 12.
std::size_t table_name_max(unsigned columns);

struct DriftOut {
  std::string by;                   // the manifest column, or "inputs"
  std::vector<std::string> inputs;  // the input paths (two-input form), per split in the report's order
  uint64_t unassigned = 0;          // rows with an empty split cell
  std::size_t name_max = kNameMax;  // the class column's widest
  dskit::DriftReport report;
};

std::string drift_text(const DriftOut& d);
std::string drift_json(const DriftOut& d);  // the value of "splits"
// One warning per class missing from a split, and per class of a split that the reference lacks.
std::vector<std::string> drift_warnings(const DriftOut& d);

}  // namespace dsbalance
