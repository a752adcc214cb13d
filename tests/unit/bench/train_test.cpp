#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "dskit/bench/dataset_read.h"
#include "dskit/bench/train.h"
#include "temp_tree.h"

using namespace dskit::bench;

TEST_CASE("train AU: a hand-computed trace, the first step excluded") {
  // Step 0 waits 5 s for the first batch (start-up) and is not counted. Steps 1..3 (ns):
  //   step 1: request 6e9, ready 6e9 (no wait), done 7e9   -> compute 1.0 s, wait 0
  //   step 2: request 7e9, ready 7.5e9, done 8.5e9         -> compute 1.0 s, wait 0.5 s
  //   step 3: request 8.5e9, ready 9e9, done 9.25e9        -> compute 0.25 s, wait 0.5 s
  // AU = 2.25 / (2.25 + 1.0) = 0.6923...
  const std::vector<StepTimes> steps = {{0, 5'000'000'000, 6'000'000'000},
                                        {6'000'000'000, 6'000'000'000, 7'000'000'000},
                                        {7'000'000'000, 7'500'000'000, 8'500'000'000},
                                        {8'500'000'000, 9'000'000'000, 9'250'000'000}};
  const StepAccount a = account_steps(steps);
  CHECK(a.steps == 3);
  CHECK(a.compute_s == doctest::Approx(2.25));
  CHECK(a.wait_s == doctest::Approx(1.0));
  CHECK(a.wall_s == doctest::Approx(3.25));
  REQUIRE(a.au);
  CHECK(*a.au == doctest::Approx(2.25 / 3.25));
  // Counting step 0 would give 3.25 / 9.25: the exclusion matters.
  CHECK(*a.au != doctest::Approx(3.25 / 9.25));

  // A second accelerator: one counted step, 1 s computing, 1 s waiting. Total = (2.25 + 1) / (3.25 + 2).
  const std::vector<StepTimes> other = {{0, 100, 200}, {200, 1'000'000'200, 2'000'000'200}};
  const StepAccount b = account_steps(other);
  CHECK(*b.au == doctest::Approx(0.5));
  const StepAccount t = combine_accounts({a, b});
  CHECK(t.steps == 4);
  CHECK(*t.au == doctest::Approx(3.25 / 5.25));
}

TEST_CASE("train AU: none with fewer than two steps") {
  CHECK_FALSE(account_steps({}).au);
  CHECK_FALSE(account_steps({{0, 10, 20}}).au);
  CHECK(account_steps({{0, 10, 20}}).steps == 0);
  CHECK_FALSE(combine_accounts({account_steps({{0, 10, 20}})}).au);
}

TEST_CASE("train --find-max: doubling then bisection, for every true maximum") {
  for (unsigned truth = 0; truth <= 40; ++truth) {
    std::vector<unsigned> asked;
    const MaxSearch s = find_max(32, 0.9, [&](unsigned n) {
      asked.push_back(n);
      return MaxTrial{n, n <= truth ? 0.95 : 0.5};
    });
    CHECK(s.max_accelerators == std::min(truth, 32u));
    CHECK(s.trials.size() == asked.size());
    CHECK(asked.front() == 1);
    CHECK(asked.size() <= 12);
  }
  // A failed trial (no AU) counts as below the target; an interrupted one (accelerators 0) ends the search.
  CHECK(find_max(16, 0.9, [](unsigned n) { return MaxTrial{n, std::nullopt}; }).max_accelerators == 0);
  const MaxSearch cut = find_max(64, 0.9, [](unsigned n) { return n < 4 ? MaxTrial{n, 1.0} : MaxTrial{}; });
  CHECK(cut.max_accelerators == 2);
  CHECK(cut.trials.size() == 2);
  CHECK(find_max(0, 0.9, [](unsigned n) { return MaxTrial{n, 1.0}; }).trials.empty());
}

TEST_CASE("train profiles: MLPerf Storage sample sizes, batches and compute times") {
  const auto r = find_train_profile("resnet50", "h100");
  REQUIRE(r);
  CHECK(r->sample_bytes == 114660);
  CHECK(r->batch == 400);
  CHECK(r->compute_s == doctest::Approx(0.224));
  CHECK(find_train_profile("unet3d", "a100")->compute_s == doctest::Approx(0.636));
  CHECK(find_train_profile("cosmoflow", "h100")->sample_bytes == 2828486);
  CHECK_FALSE(find_train_profile("bert", "h100"));
  for (const auto& p : train_profiles()) {
    // H100 computes faster than A100 on every model.
    CHECK(find_train_profile(p.model, "h100")->compute_s < find_train_profile(p.model, "a100")->compute_s);
  }
}

TEST_CASE("train: every accelerator consumes its batches of the shuffled stream" *
          doctest::test_suite("parallel")) {
  dskit::test::TempTree t;
  std::vector<DatasetFile> files;
  for (int i = 0; i < 30; ++i) {
    const std::string name = "s" + std::to_string(i);
    t.file(name, std::string(static_cast<std::size_t>(100 + i), 'x'));
    files.push_back({t.path(name), static_cast<uint64_t>(100 + i)});
  }
  uint64_t dataset = 0;
  for (const auto& f : files) dataset += f.size;
  SUBCASE("epochs: 2 passes of 30 samples in batches of 7 over 3 accelerators") {
    TrainOptions o;
    o.common.direct = false;
    o.common.threads = 2;
    o.accelerators = 3;
    o.batch = 7;
    o.epochs = 2;
    o.compute_s = 0.001;
    TrainResult r;
    REQUIRE_FALSE(run_train(o, files, r));
    // 60 samples -> 9 batches (the last has 4): accelerators get 3 batches each.
    REQUIRE(r.accelerators.size() == 3);
    CHECK(r.samples == 60);
    uint64_t bytes = 0, reader_bytes = 0, reader_files = 0;
    for (const auto& a : r.accelerators) {
      CHECK(a.steps == 3);
      CHECK(a.account.steps == 2);
      bytes += a.bytes;
    }
    CHECK(r.accelerators[2].samples == 7 + 7 + 4);
    CHECK(bytes == 2 * dataset);
    for (const auto& th : r.phase.threads) {
      reader_bytes += th.bytes;
      reader_files += th.files;
      CHECK(th.error_count == 0);
    }
    CHECK(reader_bytes == 2 * dataset);
    CHECK(reader_files == 60);
    CHECK(r.phase.threads.size() == 3 * 2 + 3);
    REQUIRE(r.total.au);
    CHECK(*r.total.au > 0);
    CHECK(*r.total.au <= 1.0);
  }
  SUBCASE("steps: each accelerator runs exactly --steps, wrapping over epochs") {
    TrainOptions o;
    o.common.direct = false;
    o.accelerators = 2;
    o.batch = 4;
    o.steps = 10;  // 80 samples: 2.67 epochs of 30
    o.prefetch = 1;
    TrainResult r;
    REQUIRE_FALSE(run_train(o, files, r));
    CHECK(r.samples == 80);
    for (const auto& a : r.accelerators) CHECK(a.steps == 10);
    // The stream is dataset_order epoch after epoch: the bytes are those of its first 80 positions.
    uint64_t want = 0;
    for (uint64_t g = 0; g < 80; ++g) want += files[dataset_order(30, 0, g / 30, g % 30)].size;
    CHECK(r.accelerators[0].bytes + r.accelerators[1].bytes == want);
  }
  SUBCASE("bad options and a missing sample") {
    TrainOptions o;
    o.common.direct = false;
    TrainResult r;
    o.batch = 0;
    CHECK(run_train(o, files, r)->kind == ErrorKind::usage);
    o.batch = 1;
    o.prefetch = 0;
    CHECK(run_train(o, files, r)->kind == ErrorKind::usage);
    o.prefetch = 1;
    CHECK(run_train(o, {}, r)->kind == ErrorKind::usage);
    std::vector<DatasetFile> gone = files;
    gone[5].path = t.path("missing");
    TrainResult r2;
    o.epochs = 1;
    REQUIRE_FALSE(run_train(o, gone, r2));
    uint64_t errors = 0;
    for (const auto& th : r2.phase.threads) errors += th.error_count;
    CHECK(errors == 1);
  }
}

TEST_CASE("train AU: a late wake-up counts as waiting, not as computing") {
  // Asked at 0, batch ready at 1 s, 2 s of compute, but the thread woke at 3.5 s (CPUs busy).
  const StepTimes late = nominal_step({0, 1'000'000'000, 3'500'000'000}, 2'000'000'000);
  CHECK(late.request_ns == 0);
  CHECK(late.ready_ns == 1'500'000'000);
  CHECK(late.done_ns == 3'500'000'000);
  // On time: unchanged.
  const StepTimes ok = nominal_step({0, 1'000'000'000, 3'000'000'000}, 2'000'000'000);
  CHECK(ok.ready_ns == 1'000'000'000);
  // Two steps, the second late: AU = 2 s compute over 3.5 s wall.
  const StepAccount a = account_steps({{0, 1, 2}, late});
  REQUIRE(a.au);
  CHECK(*a.au == doctest::Approx(2.0 / 3.5));
  CHECK(a.wait_s == doctest::Approx(1.5));
}
