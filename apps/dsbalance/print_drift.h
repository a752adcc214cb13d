// dsbalance --by COLUMN / two inputs: the per-split table of the text report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dskit/balance/report.h"

namespace dsbalance {

// The class column of the text tables: at most this wide (names cut with an ellipsis), or narrower on a
// narrow terminal (see table_name_max).
inline constexpr std::size_t kNameMax = 40;
// kNameMax, or what fits a terminal of `columns` (0: not a terminal) next to the count, share and bar
// columns, at least 12.
std::size_t table_name_max(unsigned columns);

// The per-split table of the text report, names cut to `name_max` columns.
std::string drift_text(const dskit::SplitsReport& d, std::size_t name_max);

}  // namespace dsbalance
