#include "print_drift.h"

#include <fmt/format.h>

#include <algorithm>

#include "dskit/base/json.h"
#include "name_cell.h"

namespace dsbalance {

namespace {

void names_json(dskit::JsonWriter& w, const std::vector<std::string>& v) {
  w.array();
  for (const auto& n : v) w.value(n);
  w.end_array();
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
  std::string out;
  dskit::JsonWriter w(out);
  w.object().field("by", d.by).field("reference", r.splits.empty() ? std::string() : r.splits.front().name);
  w.field("unassigned", d.unassigned).key("classes");
  names_json(w, r.classes);
  w.key("per_split").array();
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    const auto& s = r.splits[i];
    w.object().field("name", s.name);
    if (i < d.inputs.size()) w.field("input", d.inputs[i]);
    w.field("total", s.total).key("classes").array();
    for (std::size_t c = 0; c < r.classes.size(); ++c)
      w.object()
          .field("name", r.classes[c])
          .field("count", s.counts[c])
          .field("share", s.shares[c])
          .end_object();
    w.end_array().key("missing");
    names_json(w, s.missing);
    w.key("not_in_reference");
    names_json(w, s.not_in_reference);
    w.field("tvd", s.tvd).field("jsd", s.jsd).end_object();
  }
  w.end_array().end_object();
  return out;
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
