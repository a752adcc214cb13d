// dsbench's report on a fixed histogram, against golden files: the human table and the JSON object that
// `dsbench randread --file` prints, built from fixed counters and latencies (two threads, a known spread of
// read latencies, one of them slow). A change to the report's text fails here with a line-by-line diff;
// DSKIT_UPDATE_GOLDEN=1 rewrites tests/golden/dsbench_report.{txt,json} on purpose.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dskit/bench/block_read.h"
#include "dskit/bench/ckpt.h"
#include "dskit/bench/dataset_read.h"
#include "dskit/bench/meta.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/stats.h"
#include "dskit/bench/train.h"

#ifndef DSKIT_SOURCE_DIR
#error "tests/CMakeLists.txt passes DSKIT_SOURCE_DIR, the source tree with tests/golden"
#endif

using namespace dskit::bench;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The lines that differ, as "line N:\n- expected\n+ actual" (at most 20 of them).
std::string line_diff(const std::string& expected, const std::string& actual) {
  const auto e = lines_of(expected), a = lines_of(actual);
  std::string out;
  int shown = 0;
  for (std::size_t i = 0; i < std::max(e.size(), a.size()) && shown < 20; ++i) {
    const std::string* el = i < e.size() ? &e[i] : nullptr;
    const std::string* al = i < a.size() ? &a[i] : nullptr;
    if (el && al && *el == *al) continue;
    out += "line " + std::to_string(i + 1) + ":\n";
    if (el) out += "- " + *el + "\n";
    if (al) out += "+ " + *al + "\n";
    ++shown;
  }
  if (out.empty() && expected != actual) out = "(the same lines; a final newline differs)\n";
  return out;
}

// Compares `actual` with tests/golden/NAME, or rewrites the file when DSKIT_UPDATE_GOLDEN=1.
void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(DSKIT_SOURCE_DIR) + "/tests/golden/" + name;
  const char* update = std::getenv("DSKIT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    MESSAGE("rewrote " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path << " is missing (DSKIT_UPDATE_GOLDEN=1 makes it)");
  std::ostringstream expected;
  expected << in.rdbuf();
  INFO(path << " differs from the report (DSKIT_UPDATE_GOLDEN=1 rewrites it on purpose):\n"
            << line_diff(expected.str(), actual));
  CHECK(expected.str() == actual);
}

// Two threads over 2 s: thread 0 does 1000 reads of 4 KiB, 50-149 us each; thread 1 does 600, 80-679 us,
// with one of 12 ms, and finishes 0.5 s later.
void fixed_run(BlockReadOptions& o, BlockReadResult& r) {
  o.file = "/data/big.bin";
  o.block = 4096;
  o.common.engine = EngineKind::io_uring;
  o.common.iodepth = 8;
  o.common.threads = 2;
  o.common.direct = true;
  r.span = uint64_t{1} << 30;
  r.alignment = 512;
  r.phase.threads.resize(2);
  ThreadStats& a = r.phase.threads[0];
  a.thread = 0;
  a.start_ns = 1'000'000'000;
  a.end_ns = 2'500'000'000;
  for (uint64_t i = 0; i < 1000; ++i) a.lat["read"].record(50'000 + (i % 100) * 1'000);
  a.ops = 1000;
  a.bytes = 1000 * 4096;
  ThreadStats& b = r.phase.threads[1];
  b.thread = 1;
  b.start_ns = 1'000'000'000;
  b.end_ns = 3'000'000'000;
  for (uint64_t i = 0; i < 599; ++i) b.lat["read"].record(80'000 + i * 1'000);
  b.lat["read"].record(12'000'000);
  b.ops = 600;
  b.bytes = 600 * 4096;
}

}  // namespace

TEST_SUITE_BEGIN("report");

TEST_CASE("dsbench report golden: randread --file's table and JSON on a fixed histogram") {
  BlockReadOptions o;
  BlockReadResult r;
  fixed_run(o, r);
  const Summary s = summarize(r.phase.threads);
  check_golden("dsbench_report.txt", block_read_report(o, r, s, false));
  check_golden("dsbench_report.json", block_read_report(o, r, s, true));
}

// Two checkpoint writers of 8 MiB each in 1 MiB writes with fsync, read back by --verify; writer 1 is
// slower and its file name needs escaping.
TEST_CASE("dsbench report golden: ckpt's JSON on fixed writers, files and a read-back") {
  CkptOptions o;
  o.common.threads = 2;
  o.common.engine = EngineKind::psync;
  o.dir = "/ckpt";
  o.size = 8u << 20;
  o.shards = 1;
  o.block = 1u << 20;
  o.fsync = true;
  o.verify = true;
  CkptResult r;
  r.write.threads.resize(2);
  for (unsigned w = 0; w < 2; ++w) {
    ThreadStats& t = r.write.threads[w];
    t.thread = w;
    t.start_ns = 1'000'000'000;
    t.end_ns = 1'000'000'000 + (w + 1) * 750'000'000LL;
    t.ops = 8;
    t.bytes = 8u << 20;
    t.files = 1;
    for (uint64_t i = 0; i < 8; ++i) t.lat["write"].record(200'000 + i * 10'000 * (w + 1));
    t.lat["fsync"].record(3'000'000 * (w + 1));
    r.files.push_back({w ? "/ckpt/w\"1\".bin" : "/ckpt/w0.bin", w, 8u << 20, 8u << 20,
                       w ? "00112233aabbccdd" : "ffeeddcc44332211", ""});
  }
  r.verify.emplace();
  r.verify->threads = r.write.threads;
  r.removed = true;
  const Summary s = summarize(r.write.threads);
  check_golden("dsbench_ckpt.json", ckpt_report_json(o, r, s));
  r.verify.reset();
  o.fsync = false;
  r.removed = false;
  r.disk_full = true;
  check_golden("dsbench_ckpt_nofsync.json", ckpt_report_json(o, r, s));
}

// randread --data over 40 files in 2 epochs, on the fixed run's threads (each "file" a whole-file read).
TEST_CASE("dsbench report golden: randread --data's JSON on fixed threads") {
  BlockReadOptions bo;
  BlockReadResult br;
  fixed_run(bo, br);
  DatasetReadOptions o;
  o.common = bo.common;
  o.block = 1u << 20;
  o.epochs = 2;
  DatasetReadResult r;
  r.phase = br.phase;
  for (auto& t : r.phase.threads) {
    t.files = t.ops / 25;
    t.lat["file"] = t.lat["read"];
  }
  r.dataset_bytes = 40u << 20;
  r.alignment = 4096;
  r.phase.interrupted = true;
  const Summary s = summarize(r.phase.threads);
  check_golden("dsbench_randread_data.json", dataset_read_report_json(o, r, s, "/data/set\"x\"", true, 40));
  // The same run over a pack of 40 samples (2 members each in 3 shards): its format and sizes.
  dskit::pack::PackSamples pack;
  pack.dir = "/data/shards\"y\"";
  pack.shards = {"shard-000000.tar", "shard-000001.tar", "shard-000002.tar"};
  pack.members.resize(80);
  pack.keys.resize(40);
  pack.bytes = 40u << 20;
  o.pack = &pack;
  check_golden("dsbench_randread_pack.json", dataset_read_report_json(o, r, s, pack.dir, false, 40));
}

// meta in hard mode: a create and a stat phase on the fixed run's two threads.
TEST_CASE("dsbench report golden: meta's JSON on two fixed phases") {
  BlockReadOptions bo;
  BlockReadResult br;
  fixed_run(bo, br);
  MetaOptions o;
  o.common.threads = 2;
  o.files = 800;
  o.file_size = 4096;
  o.hard = true;
  MetaResult r;
  r.workdir = "/m/dsbench-meta.\"q\"";
  r.removed = true;
  for (const char* name : {"create", "stat"}) {
    MetaPhase p{name, br.phase};
    for (auto& t : p.result.threads) {
      t.lat = Latencies{};
      for (uint64_t i = 0; i < t.ops; ++i) t.lat[name].record(10'000 + i * 100);
    }
    r.phases.push_back(std::move(p));
  }
  r.phases[1].result.threads[1].error_count = 3;
  check_golden("dsbench_meta.json", meta_report_json(o, r, "hard", false));
}

// train: two accelerators on the fixed run's threads, one with an AU and one without a counted step.
TEST_CASE("dsbench report golden: train's JSON on fixed accelerators") {
  BlockReadOptions bo;
  BlockReadResult br;
  fixed_run(bo, br);
  TrainOptions o;
  o.common = bo.common;
  o.accelerators = 2;
  o.batch = 4;
  o.compute_s = 0.25;
  TrainResult r;
  r.phase = br.phase;
  r.accelerators = {{0, 10, 40, 40u << 20, {9, 2.25, 0.5, 2.75, 2.25 / 2.75}}, {1, 1, 4, 4u << 20, {}}};
  r.total = {9, 2.25, 0.5, 2.75, 2.25 / 2.75};
  r.samples = 44;
  r.dataset_bytes = 64u << 20;
  r.alignment = 4096;
  const Summary s = summarize(r.phase.threads);
  check_golden("dsbench_train.json",
               train_report_json(o, r, s, "/data/\"t\"", "resnet50", "a100", 64, false));
}

// The merged report under MPI: two ranks of the fixed run (rank 1 failed), with mode values and per-rank
// rows.
TEST_CASE("dsbench report golden: the ranks' merged JSON with per-rank rows") {
  BlockReadOptions bo;
  BlockReadResult br;
  fixed_run(bo, br);
  RankResult a = rank_result(summarize(br.phase.threads));
  a.values = {{RankValue::Merge::sum, "mismatches", 2}, {RankValue::Merge::max, "durable_s", 1.25}};
  RankResult b;
  b.code = 3;
  const std::vector<RankResult> all = {a, b};
  const MergedRanks m = merge_ranks(all);
  RanksReport rr{{"ckpt", EngineKind::io_uring, 2, 8, true, 4096}, "read", true, true, ",\"shards\":1", ""};
  check_golden("dsbench_ranks.json", ranks_report(rr, m, all));
  rr.per_rank = false;
  rr.extra_json.clear();
  check_golden("dsbench_ranks_merged.json", ranks_report(rr, m, all));
}

TEST_CASE("dsbench report golden: the diff names the changed line") {
  const std::string d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n");
  CHECK(d == "line 2:\n- b\n+ B\nline 4:\n+ d\n");
  CHECK(line_diff("a\n", "a").find("final newline") != std::string::npos);
}

TEST_SUITE_END();
