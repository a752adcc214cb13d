#include "dskit/balance/balance.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "dskit/balance/inputs/input.h"
#include "dskit/balance/resample.h"
#include "dskit/manifest/manifest.h"
#include "temp_tree.h"

using namespace dskit;

namespace {

// CIFAR-10-LT with imbalance 100: n_i = int(5000 * 0.01^(i/9)).
std::vector<uint64_t> cifar_lt_counts() {
  std::vector<uint64_t> n;
  for (int i = 0; i < 10; ++i) n.push_back(static_cast<uint64_t>(5000.0 * std::pow(0.01, i / 9.0)));
  return n;
}

Distribution dist_of(const std::vector<uint64_t>& counts) {
  LabelHistogram h;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::string name = "c" + std::to_string(i);
    h.declared.push_back(name);
    if (counts[i]) h.add(name, counts[i]);
  }
  return count_classes(h, {}, "");
}

Manifest manifest_with_labels(const std::vector<std::pair<std::string, int>>& per_class) {
  Manifest m = make_manifest("/data", HashAlgo::none, true);
  for (const auto& [label, n] : per_class)
    for (int i = 0; i < n; ++i) {
      const std::size_t r = m.add_row();
      m.set_cell_raw(r, static_cast<std::size_t>(m.path_col()), label + "/" + std::to_string(i) + ".jpg");
      m.set_cell_raw(r, static_cast<std::size_t>(m.label_col()), label);
    }
  return m;
}

std::map<std::string, uint64_t> repeat_sums(const Manifest& m) {
  std::map<std::string, uint64_t> s;
  const int rc = m.find_column("repeat");
  REQUIRE(rc >= 0);
  for (std::size_t r = 0; r < m.size(); ++r)
    s[m.label(r)] += std::stoull(std::string(m.cell(r, static_cast<std::size_t>(rc))));
  return s;
}

}  // namespace

TEST_CASE("balance: CIFAR-10-LT metrics against independent formulas") {
  const auto n = cifar_lt_counts();
  CHECK(n == std::vector<uint64_t>{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50});
  const Distribution d = dist_of(n);
  const BalanceReport r = balance_report(d);
  CHECK(r.total == 12406);
  CHECK(r.classes == 10);
  CHECK(r.imbalance_ratio == doctest::Approx(100.0));
  CHECK(r.min_count == 50);
  CHECK(r.max_count == 5000);
  // Entropy, evenness, effective number of classes, from their definitions.
  double h = 0;
  for (uint64_t c : n) {
    const double p = static_cast<double>(c) / 12406.0;
    h -= p * std::log(p);
  }
  CHECK(r.entropy == doctest::Approx(h).epsilon(1e-12));
  CHECK(r.evenness == doctest::Approx(h / std::log(10.0)).epsilon(1e-12));
  CHECK(r.effective_classes == doctest::Approx(std::exp(h)).epsilon(1e-12));
  // Gini: mean absolute difference over all ordered pairs / (2 * mean).
  double diff = 0;
  for (uint64_t a : n)
    for (uint64_t b : n) diff += std::fabs(static_cast<double>(a) - static_cast<double>(b));
  const double mean = 12406.0 / 10.0;
  CHECK(r.gini == doctest::Approx(diff / (100.0 * 2.0 * mean)).epsilon(1e-12));
  // Bands: >100: 8 classes; 20-100: 83, 50; <20: none.
  CHECK(r.head.classes == 8);
  CHECK(r.middle.classes == 2);
  CHECK(r.middle.samples == 133);
  CHECK(r.tail.classes == 0);
  const BalanceReport r2 = balance_report(d, {1000, 100});
  CHECK(r2.head.classes == 4);
  CHECK(r2.tail.classes == 2);
  CHECK(r2.tail.samples == 133);
}

TEST_CASE("balance: empty classes, unlabelled entries, one class") {
  LabelHistogram h;
  h.declared = {"a", "b", "c"};
  h.add("a", 10);
  h.add("b", 5);
  h.add("", 7);
  const Distribution d = count_classes(h, {}, "|");
  REQUIRE(d.classes.size() == 3);
  CHECK(d.unlabelled == 7);
  CHECK(d.entries == 15);
  const BalanceReport r = balance_report(d);
  CHECK(r.empty_classes == 1);
  CHECK(r.min_count == 0);
  CHECK(r.imbalance_ratio == doctest::Approx(2.0));  // over non-empty classes
  const BalanceReport one = balance_report(dist_of({42}));
  CHECK(one.evenness == 1.0);
  CHECK(one.gini == 0.0);
  CHECK(one.effective_classes == doctest::Approx(1.0));
}

TEST_CASE("balance: multi-label cardinality and MeanIR") {
  LabelHistogram h;
  h.add("cat|dog", 2);
  h.add("cat", 4);
  h.add("dog|bird|dog", 1);
  const Distribution d = count_classes(h, {}, "|");
  CHECK(d.multi_label);
  REQUIRE(d.classes.size() == 3);  // bird cat dog
  CHECK(d.classes[0].count == 1);
  CHECK(d.classes[1].count == 6);
  CHECK(d.classes[2].count == 3);
  const BalanceReport r = balance_report(d);
  CHECK(r.label_cardinality == doctest::Approx((2.0 * 2 + 4 * 1 + 2) / 7.0));
  CHECK(r.mean_ir == doctest::Approx((6.0 / 1 + 6.0 / 6 + 6.0 / 3) / 3.0));
}

TEST_CASE("balance: weights on hand cases") {
  const Distribution d = dist_of({10, 30, 60});
  const auto b = class_weights(d, WeightMethod::balanced);
  CHECK(b[0] == doctest::Approx(100.0 / (3 * 10)));
  CHECK(b[2] == doctest::Approx(100.0 / (3 * 60)));
  const auto inv = class_weights(d, WeightMethod::inverse);
  const double s = 1 / 10.0 + 1 / 30.0 + 1 / 60.0;
  CHECK(inv[0] == doctest::Approx(3 * (1 / 10.0) / s));
  CHECK(inv[0] + inv[1] + inv[2] == doctest::Approx(3.0));
  const auto sq = class_weights(d, WeightMethod::inverse_sqrt);
  CHECK(sq[1] / sq[2] == doctest::Approx(std::sqrt(2.0)));
  CHECK(sq[0] + sq[1] + sq[2] == doctest::Approx(3.0));
  const double beta = 0.99;
  const auto eff = class_weights(d, WeightMethod::effective, beta);
  std::vector<double> raw;
  for (double n : {10.0, 30.0, 60.0}) raw.push_back((1 - beta) / (1 - std::pow(beta, n)));
  const double rs = raw[0] + raw[1] + raw[2];
  for (int i = 0; i < 3; ++i) CHECK(eff[i] == doctest::Approx(3 * raw[i] / rs));
  const auto a = focal_alpha(b);
  CHECK(a[0] + a[1] + a[2] == doctest::Approx(1.0));
  CHECK(a[0] / a[1] == doctest::Approx(3.0));
  // Empty classes get 0 and do not count in K.
  const auto e = class_weights(dist_of({10, 0, 30}), WeightMethod::balanced);
  CHECK(e[1] == 0.0);
  CHECK(e[0] == doctest::Approx(40.0 / (2 * 10)));
  CHECK(parse_weight_method("inverse-sqrt") == WeightMethod::inverse_sqrt);
  CHECK(!parse_weight_method("sqrt"));
}

TEST_CASE("balance: gates") {
  Gate g;
  REQUIRE(!parse_gate("imbalance_ratio>50", g));
  CHECK(g.metric == "imbalance_ratio");
  CHECK(g.op == ">");
  CHECK(g.value == 50);
  REQUIRE(!parse_gate("min_count <= 100", g));
  CHECK(g.op == "<=");
  REQUIRE(!parse_gate("evenness<0.5", g));
  REQUIRE(!parse_gate("classes!=10", g));
  REQUIRE(!parse_gate("total==12406", g));
  CHECK(parse_gate("imbalance>50", g));
  CHECK(parse_gate("gini>", g));
  CHECK(parse_gate("gini>x", g));
  CHECK(parse_gate("gini=>1", g));
  CHECK(parse_gate("gini", g));
  CHECK(parse_gate("gini<0.5x", g));
  const BalanceReport r = balance_report(dist_of(cifar_lt_counts()));
  const DriftMetrics none;
  std::string why;
  REQUIRE(!parse_gate("imbalance_ratio>50", g));
  CHECK(gate_trips(g, r, none, why));
  CHECK(why.find("100") != std::string::npos);
  REQUIRE(!parse_gate("min_count<50", g));
  CHECK(!gate_trips(g, r, none, why));
  REQUIRE(!parse_gate("min_count<=50", g));
  CHECK(gate_trips(g, r, none, why));
  REQUIRE(!parse_gate("classes!=10", g));
  CHECK(!gate_trips(g, r, none, why));
}

TEST_CASE("balance: drift gates") {
  Gate g;
  for (const char* m : {"tvd", "jsd", "missing_classes"}) {
    CHECK(is_drift_metric(m));
    REQUIRE(!parse_gate(std::string(m) + ">0", g));
  }
  CHECK(!is_drift_metric("gini"));
  const BalanceReport r = balance_report(dist_of(cifar_lt_counts()));
  DriftMetrics d;
  d.present = true;
  d.tvd = 0.25;
  d.jsd = 0.01;
  d.missing_classes = 2;
  std::string why;
  REQUIRE(!parse_gate("tvd>0.1", g));
  CHECK(gate_trips(g, r, d, why));
  CHECK(why == "tvd = 0.25 > 0.1");
  REQUIRE(!parse_gate("jsd>0.05", g));
  CHECK(!gate_trips(g, r, d, why));
  REQUIRE(!parse_gate("missing_classes>0", g));
  CHECK(gate_trips(g, r, d, why));
  CHECK(why == "missing_classes = 2 > 0");
  CHECK(!gate_trips(g, r, DriftMetrics{}, why));  // no splits: never trips (the app refuses it earlier)
}

TEST_CASE("balance: class order of ordered inputs, with merges and undeclared classes") {
  LabelHistogram h;
  h.ordered = true;
  h.declared = {"zebra", "cat", "dog_big", "ant", "dog_small"};
  h.add("zebra", 1);
  h.add("cat", 2);
  h.add("dog_small", 3);
  h.add("dog_big", 4);
  h.add("bee", 5);  // not declared: after the declared classes
  h.add("aardvark", 6);
  auto names = [](const Distribution& d) {
    std::vector<std::string> v;
    for (const auto& c : d.classes) v.push_back(c.name);
    return v;
  };
  const Distribution plain = count_classes(h, {}, "");
  CHECK(names(plain) ==
        std::vector<std::string>{"zebra", "cat", "dog_big", "ant", "dog_small", "aardvark", "bee"});
  CHECK(plain.find("ant") == 3);
  CHECK(plain.classes[3].count == 0);
  CHECK(plain.find("nope") == plain.classes.size());
  LabelRules rules;
  rules.merges = {{"dog_*", "dog"}};
  rules.drops = {"zebra"};
  const Distribution merged = count_classes(h, rules, "");
  CHECK(names(merged) == std::vector<std::string>{"cat", "dog", "ant", "aardvark", "bee"});
  CHECK(merged.classes[1].count == 7);
  h.ordered = false;  // byte order
  CHECK(names(count_classes(h, {}, "")) ==
        std::vector<std::string>{"aardvark", "ant", "bee", "cat", "dog_big", "dog_small", "zebra"});
}

TEST_CASE("balance: merge with globs, drop, map") {
  std::pair<std::string, std::string> p;
  CHECK(!parse_merge("dog_*=dog", p));
  CHECK(p.first == "dog_*");
  CHECK(p.second == "dog");
  CHECK(parse_merge("dog", p));
  CHECK(parse_merge("=dog", p));
  CHECK(parse_merge("dog=", p));
  LabelHistogram h;
  h.add("dog_small", 3);
  h.add("dog_big", 4);
  h.add("cat", 5);
  h.add("noise", 2);
  LabelRules rules;
  rules.merges.push_back({"dog_*", "dog"});
  rules.drops.push_back("noi*");
  rules.drops.push_back("zebra");
  const Distribution d = count_classes(h, rules, "|");
  REQUIRE(d.classes.size() == 2);
  CHECK(d.classes[0].name == "cat");
  CHECK(d.classes[1].name == "dog");
  CHECK(d.classes[1].count == 7);
  CHECK(d.dropped == 2);
  CHECK(d.unused_rules == std::vector<std::string>{"--drop zebra"});
  LabelRules m;
  m.map = {{"cat", "feline"}, {"noise", ""}, {"horse", "x"}};
  const Distribution dm = count_classes(h, m, "|");
  CHECK(dm.find("feline") < dm.classes.size());
  CHECK(dm.find("noise") == dm.classes.size());
  CHECK(dm.dropped == 2);
  CHECK(dm.unused_rules == std::vector<std::string>{"--map horse"});
  // A multi-label entry whose labels merge into one counts once.
  LabelHistogram ml;
  ml.add("dog_small|dog_big", 1);
  const Distribution dd = count_classes(ml, rules, "|");
  REQUIRE(dd.classes.size() == 1);
  CHECK(dd.classes[0].count == 1);
  CHECK(!dd.multi_label);
}

TEST_CASE("balance: resampling achieved counts and determinism") {
  const Manifest base = manifest_with_labels({{"a", 100}, {"b", 30}, {"c", 7}});
  ResampleResult rr;
  {
    Manifest m = base;
    ResampleOptions o;
    o.max_per_class = 20;
    REQUIRE(!resample_manifest(m, {}, o, rr));
    CHECK(repeat_sums(m) == std::map<std::string, uint64_t>{{"a", 20}, {"b", 20}, {"c", 7}});
    CHECK(m.size() == 47);
    for (const auto& c : rr.classes) CHECK(c.achieved == c.requested);
  }
  {
    Manifest m = base;
    ResampleOptions o;
    o.max_ratio = 2;
    REQUIRE(!resample_manifest(m, {}, o, rr));
    CHECK(repeat_sums(m) == std::map<std::string, uint64_t>{{"a", 14}, {"b", 14}, {"c", 7}});
  }
  {
    Manifest m = base;
    ResampleOptions o;
    o.target = 50;
    o.seed = 3;
    REQUIRE(!resample_manifest(m, {}, o, rr));
    CHECK(repeat_sums(m) == std::map<std::string, uint64_t>{{"a", 50}, {"b", 50}, {"c", 50}});
    CHECK(m.size() == 50 + 30 + 7);  // oversampling repeats rows, never copies them
    Manifest m2 = base;
    REQUIRE(!resample_manifest(m2, {}, o, rr));
    std::string s1, s2;
    serialize_manifest(m, s1);
    serialize_manifest(m2, s2);
    CHECK(s1 == s2);
    Manifest m3 = base;
    o.seed = 4;
    REQUIRE(!resample_manifest(m3, {}, o, rr));
    std::string s3;
    serialize_manifest(m3, s3);
    CHECK(s1 != s3);
  }
  {
    Manifest m = base;
    ResampleOptions o;
    CHECK(resample_manifest(m, {}, o, rr));  // nothing asked
    o.target = 5;
    o.max_per_class = 3;
    CHECK(resample_manifest(m, {}, o, rr));  // contradictory
  }
}

TEST_CASE("balance: inputs (ImageFolder, CSV)") {
  test::TempTree t;
  t.file("img/b/1.jpg");
  t.file("img/b/sub/2.jpg");
  t.file("img/a/1.jpg");
  t.file("img/.hidden/1.jpg");
  t.file("img/b/.x.jpg");
  t.file("img/top.txt");
  std::filesystem::create_directories(t.path("img/empty"));
  ImageFolderResult r;
  REQUIRE(!imagefolder_histogram(t.path("img"), 2, r));
  CHECK(r.histogram.declared == std::vector<std::string>{"a", "b", "empty"});
  const Distribution d = count_classes(r.histogram, {}, "");
  REQUIRE(d.classes.size() == 3);
  CHECK(d.classes[0].count == 1);
  CHECK(d.classes[1].count == 2);
  CHECK(d.classes[2].count == 0);
  BalanceFormat f;
  REQUIRE(!detect_balance_format(t.path("img"), f));
  CHECK(f == BalanceFormat::imagefolder);

  t.file("l.csv", "file,tags\nx.jpg,\"cat|dog\"\ny.jpg,cat\nz.jpg,\n");
  LabelHistogram h;
  CsvLabelOptions co;
  co.id_column = "file";
  co.label_column = "tags";
  REQUIRE(!csv_histogram(t.path("l.csv"), co, h));
  const Distribution dc = count_classes(h, {}, "|");
  CHECK(dc.unlabelled == 1);
  CHECK(dc.classes[0].count == 2);
  REQUIRE(!detect_balance_format(t.path("l.csv"), f));
  CHECK(f == BalanceFormat::csv);
  t.file("bad.csv", "id,label\na,1\nb\n");
  LabelHistogram hb;
  const auto err = csv_histogram(t.path("bad.csv"), {}, hb);
  REQUIRE(err);
  CHECK(err->find("bad.csv:3:") != std::string::npos);
}

TEST_CASE("balance: resampling keeps unlabelled rows, leaves dropped ones, refuses multi-label rows") {
  Manifest m = manifest_with_labels({{"a", 6}, {"b", 2}, {"", 3}, {"junk", 4}});
  LabelRules rules;
  rules.drops.push_back("junk");
  rules.merges.push_back({"b", "bee"});
  ResampleOptions o;
  o.max_per_class = 4;
  ResampleResult rr;
  REQUIRE(!resample_manifest(m, rules, o, rr));
  CHECK(rr.unlabelled_kept == 3);
  CHECK(rr.dropped == 4);
  CHECK(rr.rows_before == 15);
  CHECK(rr.rows_after == 4 + 2 + 3);
  const auto sums = repeat_sums(m);
  CHECK(sums == std::map<std::string, uint64_t>{{"", 3}, {"a", 4}, {"bee", 2}});  // labels after the rules
  Manifest ml = manifest_with_labels({{"a|b", 1}, {"a", 2}});
  o = {};
  o.target = 2;
  const auto err = resample_manifest(ml, {}, o, rr);
  REQUIRE(err);
  CHECK(err->find("one label per row") != std::string::npos);
}

TEST_CASE("balance: a manifest's histogram counts each row repeat times") {
  Manifest m;
  LoadOptions lo;
  REQUIRE_FALSE(
      parse_manifest("#dskit-manifest v1\troot=/r\thash=none\npath\tlabel\trepeat\n"
                     "a\tcat\t1\nb\tcat\t0\nc\tdog\t5\nd\tdog\t2\n",
                     "m.tsv", lo, m));
  RepeatCounts rep;
  REQUIRE_FALSE(read_repeat_counts(m, "m.tsv", rep));
  const Distribution d = count_classes(manifest_histogram(m, rep), {}, "|");
  std::map<std::string, uint64_t> got;
  for (const auto& c : d.classes) got[c.name] = c.count;
  CHECK(got == std::map<std::string, uint64_t>{{"cat", 1}, {"dog", 7}});
  // Without the counts (the default), every row once.
  const Distribution once = count_classes(manifest_histogram(m), {}, "|");
  CHECK(once.entries == 4);
}

TEST_CASE("balance: per-entry sample weights") {
  Manifest m = manifest_with_labels({{"a", 3}, {"b", 1}, {"", 1}});
  LabelHistogram h = manifest_histogram(m);
  const Distribution d = count_classes(h, {}, "|");
  const auto w = class_weights(d, WeightMethod::balanced);
  add_sample_weights(m, {}, d, w, "|");
  const int col = m.find_column("weight");
  REQUIRE(col >= 0);
  std::map<std::string, std::string> by_label;
  for (std::size_t r = 0; r < m.size(); ++r) by_label[m.label(r)] = m.cell(r, static_cast<std::size_t>(col));
  CHECK(by_label["a"] == "0.666667");  // 4 / (2 * 3)
  CHECK(by_label["b"] == "2");         // 4 / (2 * 1)
  CHECK(by_label[""] == "0");
}
