#include "dskit/balance/drift.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace dskit;

namespace {

Distribution dist(const std::vector<std::pair<std::string, uint64_t>>& counts) {
  LabelHistogram h;
  for (const auto& [n, c] : counts) h.add(n, c);
  return count_classes(h, {}, "");
}

}  // namespace

TEST_CASE("drift: TVD and JSD by hand") {
  // p = (1/2, 1/2, 0), q = (1/4, 1/4, 1/2): TVD = (1/4 + 1/4 + 1/2) / 2 = 1/2.
  // m = (3/8, 3/8, 1/4); KL(p||m) = ln(4/3); KL(q||m) = 2 * 1/4 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3);
  // JSD = (ln(4/3) + 1/2 ln(4/3)) / 2 = 3/4 ln(4/3).
  const std::vector<double> p{0.5, 0.5, 0}, q{0.25, 0.25, 0.5};
  CHECK(total_variation(p, q) == doctest::Approx(0.5));
  CHECK(jensen_shannon(p, q) == doctest::Approx(0.75 * std::log(4.0 / 3.0)));
  CHECK(jensen_shannon(q, p) == doctest::Approx(jensen_shannon(p, q)));
  // Disjoint supports: the maxima, 1 and ln 2.
  CHECK(total_variation({1, 0}, {0, 1}) == doctest::Approx(1));
  CHECK(jensen_shannon({1, 0}, {0, 1}) == doctest::Approx(std::log(2.0)));
  CHECK(total_variation(p, p) == 0);
  CHECK(jensen_shannon(p, p) == 0);
}

TEST_CASE("drift: report over the union of classes, train first, missing classes") {
  // train: a 6, b 2 ; val: a 1, b 1, c 2 (c is not in train; train misses c).
  const auto r =
      drift_report({{"val", dist({{"a", 1}, {"b", 1}, {"c", 2}})}, {"train", dist({{"a", 6}, {"b", 2}})}});
  REQUIRE(r.classes == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(r.splits.size() == 2);
  const auto& tr = r.splits[0];
  const auto& va = r.splits[1];
  CHECK(tr.name == "train");
  CHECK(tr.total == 8);
  CHECK(tr.counts == std::vector<uint64_t>{6, 2, 0});
  CHECK(tr.missing == std::vector<std::string>{"c"});
  CHECK(tr.tvd == 0);
  CHECK(va.name == "val");
  CHECK(va.counts == std::vector<uint64_t>{1, 1, 2});
  CHECK(va.shares[2] == doctest::Approx(0.5));
  CHECK(va.missing.empty());
  CHECK(va.not_in_reference == std::vector<std::string>{"c"});
  // p = (3/4, 1/4, 0), q = (1/4, 1/4, 1/2): TVD = (1/2 + 0 + 1/2) / 2 = 1/2.
  CHECK(va.tvd == doctest::Approx(0.5));
  // m = (1/2, 1/4, 1/4): KL(p||m) = 3/4 ln(3/2); KL(q||m) = 1/4 ln(1/2) + 1/2 ln 2 = 1/4 ln 2.
  CHECK(va.jsd == doctest::Approx((0.75 * std::log(1.5) + 0.25 * std::log(2.0)) / 2));
}

TEST_CASE("drift: classes in the given class order, then byte order; the gate metrics") {
  const auto r = drift_report({{"train", dist({{"a", 6}, {"b", 2}, {"z", 1}})},
                               {"val", dist({{"a", 1}, {"c", 3}})},
                               {"test", dist({{"a", 1}, {"b", 1}, {"z", 2}})}},
                              std::nullopt, {"z", "b", "a"});
  CHECK(r.classes == std::vector<std::string>{"z", "b", "a", "c"});
  CHECK(r.splits[0].counts == std::vector<uint64_t>{1, 2, 6, 0});
  CHECK(r.splits[1].counts == std::vector<uint64_t>{0, 0, 1, 3});
  const DriftMetrics m = drift_metrics(r);
  CHECK(m.present);
  CHECK(m.tvd == doctest::Approx(std::max(r.splits[1].tvd, r.splits[2].tvd)));
  CHECK(m.tvd == doctest::Approx(0.75));  // val 3/4 against train, test 5/12
  CHECK(m.jsd == doctest::Approx(std::max(r.splits[1].jsd, r.splits[2].jsd)));
  // c is missing from train and test, z and b from val: 3 classes missing from some split.
  CHECK(m.missing_classes == 3);
  CHECK(drift_metrics(drift_report({{"a", dist({{"x", 1}})}, {"b", dist({{"x", 3}})}})).missing_classes == 0);
}

TEST_CASE("drift: without a train split the first is the reference") {
  const auto r = drift_report({{"a", dist({{"x", 1}})}, {"b", dist({{"x", 3}})}});
  REQUIRE(r.splits.size() == 2);
  CHECK(r.splits[0].name == "a");
  CHECK(r.splits[1].tvd == 0);
  CHECK(r.splits[1].jsd == 0);
}

TEST_CASE("drift: a manifest's split column") {
  Manifest m = make_manifest("/data", HashAlgo::none, true);
  const int split = m.add_column("split");
  const char* rows[][2] = {{"cat", "train"}, {"cat", "train"}, {"dog", "train"}, {"dog", "val"}, {"cat", ""}};
  for (const auto& [label, s] : rows) {
    const std::size_t r = m.add_row();
    m.set_cell_raw(r, static_cast<std::size_t>(m.find_column("path")), std::to_string(r));
    m.set_cell_raw(r, static_cast<std::size_t>(m.label_col()), label);
    m.set_cell_raw(r, static_cast<std::size_t>(split), s);
  }
  SplitHistograms sh;
  REQUIRE_FALSE(manifest_split_histograms(m, "split", sh).has_value());
  CHECK(sh.unassigned == 1);
  REQUIRE(sh.splits.size() == 2);
  CHECK(sh.splits[0].first == "train");
  CHECK(sh.splits[0].second.raw.at("cat") == 2);
  CHECK(sh.splits[1].first == "val");
  CHECK(sh.splits[1].second.raw.at("dog") == 1);
  SplitHistograms none;
  CHECK(manifest_split_histograms(m, "fold", none).has_value());
}
