#include "print_drift.h"

#include <fmt/format.h>

#include <algorithm>

#include "name_cell.h"

namespace dsbalance {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

}  // namespace

std::size_t table_name_max(unsigned columns) {
  // The class table's other columns: "  " count(10) "  " share(7) "  " and a bar of up to 40, plus
  // "(empty)" when a class is empty.
  constexpr std::size_t kOther = 2 + 10 + 2 + 7 + 2 + 40;
  if (columns == 0) return kNameMax;
  return columns > kOther + 12 ? std::min(kNameMax, columns - kOther) : 12;
}

std::string drift_text(const dskit::SplitsReport& d, std::size_t name_max) {
  const auto& r = d.report;
  if (r.splits.empty()) return {};
  const std::size_t name_w = name_column_width(
      r.classes, [](const std::string& c) { return c; }, name_max);
  std::size_t col_w = 18;
  for (const auto& s : r.splits) col_w = std::max(col_w, s.name.size() + 2);
  std::string out =
      fmt::format("splits (by {}; reference {}; tvd and jsd against it):\n", d.by, r.splits.front().name);
  out += name_cell("class", name_w);
  for (const auto& s : r.splits) out += fmt::format("  {:>{}}", s.name, col_w);
  out += "\n";
  for (std::size_t c = 0; c < r.classes.size(); ++c) {
    out += name_cell(r.classes[c], name_w);
    for (const auto& s : r.splits)
      out += fmt::format("  {:>{}}", fmt::format("{} {:6.2f}%", s.counts[c], 100 * s.shares[c]), col_w);
    out += "\n";
  }
  out += name_cell("total", name_w);
  for (const auto& s : r.splits) out += fmt::format("  {:>{}}", s.total, col_w);
  out += "\n" + name_cell("tvd", name_w);
  for (std::size_t i = 0; i < r.splits.size(); ++i)
    out += fmt::format("  {:>{}}", i ? fmt::format("{:.4f}", r.splits[i].tvd) : "-", col_w);
  out += "\n" + name_cell("jsd", name_w);
  for (std::size_t i = 0; i < r.splits.size(); ++i)
    out += fmt::format("  {:>{}}", i ? fmt::format("{:.6f}", r.splits[i].jsd) : "-", col_w);
  out += "\n";
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    const auto& s = r.splits[i];
    if (!s.not_in_reference.empty())
      out += fmt::format("{}: classes MISSING FROM {}: {}\n", s.name, r.splits.front().name,
                         joined(s.not_in_reference));
    if (!s.missing.empty()) out += fmt::format("{}: classes with no entry: {}\n", s.name, joined(s.missing));
  }
  if (d.unassigned)
    out += fmt::format("rows with an empty {} cell: {} (left out of the splits)\n", d.by, d.unassigned);
  return out;
}

}  // namespace dsbalance
