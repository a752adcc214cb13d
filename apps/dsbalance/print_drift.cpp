#include "print_drift.h"

#include <fmt/format.h>

#include <algorithm>

#include "dskit/base/text.h"
#include "name_cell.h"

namespace dsbalance {

namespace {

std::string json_str(std::string_view s) {
  std::string out;
  dskit::append_json_string(out, s);
  return out;
}

std::string names_json(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_str(v[i]);
  return out + "]";
}

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

std::string drift_text(const DriftOut& d) {
  const auto& r = d.report;
  if (r.splits.empty()) return {};
  const std::size_t name_w = name_column_width(
      r.classes, [](const std::string& c) { return c; }, d.name_max);
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

std::string drift_json(const DriftOut& d) {
  const auto& r = d.report;
  std::string out = fmt::format(
      "{{\"by\":{},\"reference\":{},\"unassigned\":{},\"classes\":{},\"per_split\":[", json_str(d.by),
      json_str(r.splits.empty() ? "" : r.splits.front().name), d.unassigned, names_json(r.classes));
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    const auto& s = r.splits[i];
    out += fmt::format("{}{{\"name\":{}", i ? "," : "", json_str(s.name));
    if (i < d.inputs.size()) out += ",\"input\":" + json_str(d.inputs[i]);
    out += fmt::format(",\"total\":{},\"classes\":[", s.total);
    for (std::size_t c = 0; c < r.classes.size(); ++c)
      out += fmt::format("{}{{\"name\":{},\"count\":{},\"share\":{}}}", c ? "," : "", json_str(r.classes[c]),
                         s.counts[c], s.shares[c]);
    out += fmt::format("],\"missing\":{},\"not_in_reference\":{},\"tvd\":{},\"jsd\":{}}}",
                       names_json(s.missing), names_json(s.not_in_reference), s.tvd, s.jsd);
  }
  return out + "]}";
}

std::vector<std::string> drift_warnings(const DriftOut& d) {
  std::vector<std::string> out;
  const auto& r = d.report;
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    const auto& s = r.splits[i];
    for (const auto& c : s.not_in_reference)
      out.push_back("class '" + c + "' of " + s.name + " is missing from " + r.splits.front().name);
    if (i > 0)
      for (const auto& c : s.missing) out.push_back("class '" + c + "' has no entry in " + s.name);
  }
  return out;
}

}  // namespace dsbalance
