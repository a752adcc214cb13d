// balance/report: split order, per-split gates with the table's rounding, the JSON's gates and missing
// classes; balance/plot's per-split file names.
#include "dskit/balance/report.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dskit/balance/plot/plot.h"

using namespace dskit;

namespace {

Manifest split_manifest(const std::vector<std::pair<const char*, const char*>>& rows) {
  Manifest m = make_manifest("/data", HashAlgo::none, true);
  const int split = m.add_column("split");
  for (const auto& [label, s] : rows) {
    const std::size_t r = m.add_row();
    m.set_cell_raw(r, static_cast<std::size_t>(m.find_column("path")), std::to_string(r));
    m.set_cell_raw(r, static_cast<std::size_t>(m.label_col()), label);
    m.set_cell_raw(r, static_cast<std::size_t>(split), s);
  }
  return m;
}

}  // namespace

TEST_CASE("report: splits are train, val, test, then the others as first seen") {
  const Manifest m = split_manifest({{"a", "zeta"},
                                     {"a", "test"},
                                     {"b", "alpha"},
                                     {"a", "val"},
                                     {"b", "train"},
                                     {"a", "train"},
                                     {"b", "zeta"}});
  SplitHistograms sh;
  REQUIRE_FALSE(manifest_split_histograms(m, "split", sh).has_value());
  std::vector<std::string> names;
  for (const auto& s : sh.splits) names.push_back(s.first);
  CHECK(names == std::vector<std::string>{"train", "val", "test", "zeta", "alpha"});
}

TEST_CASE("report: gates per split, compared on the rounded figure, named in the text") {
  // train: a 3, b 1 (ratio 3); val: a 1, b 1 (ratio 1; tvd 0.25); test: a 2 (b missing).
  const Manifest m = split_manifest({{"a", "train"},
                                     {"a", "train"},
                                     {"a", "train"},
                                     {"b", "train"},
                                     {"a", "val"},
                                     {"b", "val"},
                                     {"a", "test"},
                                     {"a", "test"}});
  BalanceInputs in;
  for (std::size_t r = 0; r < m.size(); ++r) in.whole.add(std::string(m.label_escaped(r)));
  in.manifest = &m;
  AnalysisOptions o;
  o.by = "split";
  for (const char* g : {"imbalance_ratio>2", "tvd>0.25", "missing_classes>0"}) {
    Gate gate;
    REQUIRE_FALSE(parse_gate(g, gate).has_value());
    o.gates.push_back(gate);
  }
  BalanceAnalysis a;
  REQUIRE_FALSE(analyze_balance(in, o, a).has_value());
  REQUIRE(a.split_dists.size() == 3);
  CHECK(a.split_dists[1].first == "val");
  // imbalance_ratio: whole (6/2 = 3), train, val, test; tvd: val, test; missing_classes: every split.
  REQUIRE(a.gates.size() == 4 + 2 + 3);
  CHECK(a.gates[0].split.empty());
  CHECK(a.gates[0].value == 3);
  CHECK_FALSE(a.gates[0].passed);
  CHECK(a.gates[1].split == "train");
  CHECK_FALSE(a.gates[1].passed);
  CHECK(a.gates[2].passed);
  CHECK(gate_result_text(a.gates[1]) == "train: imbalance_ratio 3.00 > 2");
  CHECK(gate_result_text(a.gates[0]) == "imbalance_ratio 3.00 > 2");
  // val's tvd is 0.25 exactly: not above 0.25. test: (|0.75-1| + |0.25-0|) / 2 = 0.25 too.
  CHECK(a.gates[4].split == "val");
  CHECK(a.gates[4].passed);
  CHECK(a.gates[6].split == "train");
  CHECK(a.gates[6].passed);
  CHECK(a.gates[8].split == "test");
  CHECK_FALSE(a.gates[8].passed);
  CHECK(a.splits.missing_classes == 1);
  REQUIRE(a.warnings.size() == 1);
  CHECK(a.warnings[0] == "test: no entry of class b");

  ReportInput ri;
  ri.input = "m.tsv";
  ri.format = "manifest";
  ri.after = &a.after;
  ri.report = a.report;
  ri.splits = &a.splits;
  ri.gates = &a.gates;
  const std::string j = report_json(ri);
  CHECK(j.find(R"("gates":[{"expr":"imbalance_ratio>2","split":null,"value":3,"passed":false},)") !=
        std::string::npos);
  CHECK(j.find(R"({"expr":"missing_classes>0","split":"test","value":1,"passed":false}])") !=
        std::string::npos);
  CHECK(j.find(R"("missing_classes":1,)") != std::string::npos);
}

TEST_CASE("report: rounding as the table prints") {
  CHECK(rounded_metric("imbalance_ratio", 12.345) == doctest::Approx(12.35));
  CHECK(rounded_metric("tvd", 0.100049) == doctest::Approx(0.1));
  CHECK(rounded_metric("jsd", 0.0426281) == doctest::Approx(0.042628));
  CHECK(rounded_metric("total", 7) == 7);
}

TEST_CASE("report: the leaked gate needs --by and a hash column") {
  const Manifest m = split_manifest({{"a", "train"}, {"a", "val"}});
  BalanceInputs in;
  in.whole.add("a", 2);
  in.manifest = &m;
  AnalysisOptions o;
  o.by = "split";
  Gate gate;
  REQUIRE_FALSE(parse_gate("leaked>0", gate).has_value());
  o.gates.push_back(gate);
  BalanceAnalysis a;
  CHECK(analyze_balance(in, o, a).has_value());
}

TEST_CASE("plot: a split's file name beside PLOT") {
  CHECK(split_plot_path("counts.png", "val") == "counts.val.png");
  CHECK(split_plot_path("out/counts.png", "train") == "out/counts.train.png");
  CHECK(split_plot_path("out.d/counts", "test") == "out.d/counts.test");
  CHECK(split_plot_path("counts.png", "../../x y") == "counts.______x_y.png");
  CHECK(split_plot_path("/tmp/.hidden", "a/b") == "/tmp/.hidden.a_b");
}

TEST_CASE("report: the weight column summed per class, repeat times, after the rules") {
  Manifest m = make_manifest("/data", HashAlgo::none, true);
  const auto w = static_cast<std::size_t>(m.add_column("weight"));
  const auto rep = static_cast<std::size_t>(m.add_column("repeat"));
  const char* rows[][3] = {{"a", "0.5", "2"}, {"a", "1", "1"}, {"b", "0", "3"}, {"c", "0.25", "4"}};
  for (const auto& [label, weight, repeat] : rows) {
    const std::size_t r = m.add_row();
    m.set_cell_raw(r, static_cast<std::size_t>(m.find_column("path")), std::to_string(r));
    m.set_cell_raw(r, static_cast<std::size_t>(m.label_col()), label);
    m.set_cell_raw(r, w, weight);
    m.set_cell_raw(r, rep, repeat);
  }
  BalanceInputs in;
  in.path = "m.tsv";
  in.whole.add("a", 3);
  in.whole.add("b", 3);
  in.whole.add("c", 4);
  in.manifest = &m;
  AnalysisOptions o;
  o.rules.merges.push_back({"c", "b"});  // c's weight goes to b
  BalanceAnalysis a;
  REQUIRE_FALSE(analyze_balance(in, o, a).has_value());
  REQUIRE(a.weighted);
  REQUIRE(a.weights.per_class.size() == 2);
  CHECK(a.weights.per_class[0] == doctest::Approx(2.0));  // a: 2 x 0.5 + 1 x 1
  CHECK(a.weights.per_class[1] == doctest::Approx(1.0));  // b: 3 x 0 + c's 4 x 0.25
  CHECK(a.weights.total == doctest::Approx(3.0));
  CHECK(a.weights.zero_rows == 1);
  // A negative weight is an error naming file:line (row 2 is line 4).
  m.set_cell_raw(1, w, "-2");
  BalanceAnalysis bad;
  const auto err = analyze_balance(in, o, bad);
  REQUIRE(err.has_value());
  CHECK(err->find("m.tsv:4: weight: not a finite number >= 0: '-2'") != std::string::npos);
}
