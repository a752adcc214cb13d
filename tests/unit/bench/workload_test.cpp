#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <fmt/format.h>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "dskit/bench/block_read.h"
#include "dskit/bench/ckpt.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/dataset_read.h"
#include "dskit/bench/meta.h"
#include "dskit/bench/runner.h"
#include "dskit/bench/stats.h"
#include "temp_tree.h"

using namespace dskit::bench;
using dskit::test::slurp;

namespace {
std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST_SUITE_BEGIN("parallel");

TEST_CASE("summaries add counters and histograms and find the first and last thread done") {
  std::vector<ThreadStats> ts(3);
  for (unsigned i = 0; i < 3; ++i) {
    ts[i].thread = i;
    ts[i].ops = 10 * (i + 1);
    ts[i].bytes = 100 * (i + 1);
    ts[i].start_ns = 1000 + i;
    ts[i].end_ns = 5000 - 1000 * i;
    for (uint64_t v = 0; v < ts[i].ops; ++v) ts[i].lat["read"].record(v * 1000 + i);
  }
  const Summary s = summarize(ts);
  CHECK(s.ops == 60);
  CHECK(s.bytes == 600);
  CHECK(s.start_ns == 1000);
  CHECK(s.end_ns == 5000);
  CHECK(s.first_done_thread == 2);
  CHECK(s.last_done_thread == 0);
  CHECK(s.first_done_s == doctest::Approx(2e-6));
  Histogram all;
  for (const auto& t : ts) all.merge(*t.lat.find("read"));
  CHECK(*s.lat.find("read") == all);
  CHECK(s.lat.find("read")->count() == 60);
}

TEST_CASE("the runner stops on the caller's flag and counts live progress") {
  std::atomic<bool> flag{false};
  Runner r({3, 0, &flag, 0.05});
  const PhaseResult res = r.run([&](WorkerContext& ctx, ThreadStats& st) {
    while (!ctx.stop()) {
      ++st.ops;
      ctx.add(1, 1);
      if (ctx.thread() == 0 && st.ops == 1000) flag.store(true);
    }
  });
  CHECK(res.interrupted);
  uint64_t ops = 0;
  for (const auto& t : res.threads) ops += t.ops;
  CHECK(ops == r.live_ops());
  uint64_t series = 0;
  for (const auto& s : res.series) series += s.ops;
  CHECK(series == ops);
}

TEST_CASE("randread --file does exactly the ops budget, inside the span, with every engine") {
  dskit::test::TempTree t;
  t.file("big", std::string(1 << 20, 'a'));
  for (EngineKind k : {EngineKind::psync, EngineKind::io_uring}) {
    if (k == EngineKind::io_uring && probe_uring() != 0) continue;
    BlockReadOptions o;
    o.file = t.path("big");
    o.common.engine = k;
    o.common.threads = 3;
    o.common.iodepth = 4;
    o.common.ops = 1000;
    o.size = 256 * 1024;
    BlockReadResult r;
    REQUIRE_FALSE(run_block_read(o, r));
    const Summary s = summarize(r.phase.threads);
    CHECK(s.ops == 1000);
    CHECK(s.bytes == 1000 * 4096);
    CHECK(s.error_count == 0);
    CHECK(s.lat.find("read")->count() == 1000);
    CHECK(r.span == 256 * 1024);
    CHECK(r.alignment >= 1);
  }
}

TEST_CASE("randread --file refuses a file shorter than the block and a span beyond the file") {
  dskit::test::TempTree t;
  t.file("small", std::string(1000, 'a'));
  BlockReadOptions o;
  o.file = t.path("small");
  o.common.direct = false;
  o.common.ops = 1;
  BlockReadResult r;
  auto err = run_block_read(o, r);
  REQUIRE(err);
  CHECK(err->kind == ErrorKind::usage);
  CHECK(err->message.find("shorter than the block size") != std::string::npos);
  o.size = 5000;
  err = run_block_read(o, r);
  REQUIRE(err);
  CHECK(err->message.find("larger than the file") != std::string::npos);
  o.file = t.path("missing");
  err = run_block_read(o, r);
  REQUIRE(err);
  CHECK(err->kind == ErrorKind::usage);
}

TEST_CASE("randread --data reads every file once per epoch, exactly its bytes, in the seeded order") {
  dskit::test::TempTree t;
  PrepareOptions po;
  po.dir = t.path("ds");
  po.files = 37;
  std::string msg;
  po.sizes = *parse_size_dist("uniform:0-20000", msg);
  po.seed = 3;
  po.threads = 2;
  std::vector<DatasetFile> files;
  bool made = false;
  REQUIRE_FALSE(prepare_dataset(po, files, made));
  CHECK(made);
  REQUIRE(files.size() == 37);
  uint64_t total = 0;
  for (const auto& f : files) {
    CHECK(std::filesystem::file_size(f.path) == f.size);  // counted independently of dsbench
    total += f.size;
  }
  std::vector<DatasetFile> listed;
  std::shared_ptr<const dskit::pack::PackSamples> pack;
  REQUIRE_FALSE(load_dataset(po.dir, listed, pack));  // the directory walk finds the same set
  CHECK_FALSE(pack);
  REQUIRE(listed.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) CHECK(listed[i].path == files[i].path);

  auto run = [&](uint64_t seed, EngineKind k) {
    DatasetReadOptions o;
    o.common.engine = k;
    o.common.threads = 3;
    o.common.iodepth = 3;
    o.common.seed = seed;
    o.block = 8192;
    o.epochs = 2;
    o.trace = true;
    DatasetReadResult r;
    REQUIRE_FALSE(run_dataset_read(o, files, r));
    const Summary s = summarize(r.phase.threads);
    CHECK(s.files == 2 * 37);
    CHECK(s.bytes == 2 * total);
    CHECK(s.error_count == 0);
    CHECK(s.lat.find("open")->count() == 74);
    CHECK(s.lat.find("first_byte")->count() == 74);
    CHECK(s.lat.find("file")->count() == 74);
    REQUIRE(r.trace.size() == 74);
    std::vector<uint64_t> order;
    for (uint64_t e = 0; e < 2; ++e) {
      std::set<uint64_t> seen;
      for (uint64_t p = 0; p < 37; ++p) {
        const TraceEntry& te = r.trace[e * 37 + p];
        CHECK(te.epoch == e);
        CHECK(te.position == p);
        CHECK(te.file == dataset_order(37, seed, e, p));
        seen.insert(te.file);
        order.push_back(te.file);
      }
      CHECK(seen.size() == 37);  // a permutation: every file once
    }
    return order;
  };
  const auto a = run(11, EngineKind::psync);
  const auto b = run(11, probe_uring() == 0 ? EngineKind::io_uring : EngineKind::psync);
  const auto c = run(12, EngineKind::psync);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(std::vector<uint64_t>(a.begin(), a.begin() + 37) != std::vector<uint64_t>(a.begin() + 37, a.end()));
  CHECK(remove_dataset(files, po.dir).empty());
  CHECK_FALSE(std::filesystem::exists(po.dir));
}

TEST_CASE("size distributions parse and draw inside their range") {
  std::string msg;
  Rng rng(1);
  const auto fixed = parse_size_dist("64k", msg);
  REQUIRE(fixed);
  CHECK(fixed->draw(rng) == 65536);
  const auto uni = parse_size_dist("uniform:10-20", msg);
  REQUIRE(uni);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = uni->draw(rng);
    CHECK(v >= 10);
    CHECK(v <= 20);
    seen.insert(v);
  }
  CHECK(seen.size() == 11);
  CHECK_FALSE(parse_size_dist("uniform:20-10", msg));
  CHECK_FALSE(parse_size_dist("normal:5", msg));
  CHECK_FALSE(parse_size_dist("manifest:/nonexistent-dsbench.tsv", msg));
}

TEST_CASE("ckpt writes files of the right size whose XXH3 matches what it reports, and removes them") {
  dskit::test::TempTree t;
  for (EngineKind k : {EngineKind::psync, EngineKind::io_uring}) {
    if (k == EngineKind::io_uring && probe_uring() != 0) continue;
    CkptOptions o;
    o.common.engine = k;
    o.common.threads = 2;
    o.common.iodepth = 4;
    o.dir = t.root();
    o.size = 3 * 65536;
    o.shards = 3;
    o.block = 16384;
    o.verify = true;
    o.keep = true;
    CkptResult r;
    REQUIRE_FALSE(run_ckpt(o, r));
    REQUIRE(r.files.size() == 6);
    CHECK(r.verify);
    CHECK(r.mismatches == 0);
    std::set<std::string> hashes;
    for (const auto& f : r.files) {
      const std::string content = slurp(f.path);
      CHECK(content.size() == 65536);
      CHECK(f.written == 65536);
      CHECK(fmt::format("{:016x}", XXH3_64bits(content.data(), content.size())) == f.xxh3_64);
      CHECK(f.readback == f.xxh3_64);
      hashes.insert(f.xxh3_64);
    }
    CHECK(hashes.size() == 6);  // every file's content differs
    const Summary s = summarize(r.write.threads);
    CHECK(s.bytes == 6 * 65536);
    CHECK(s.ops == 6 * 4);
    CHECK(s.lat.find("fsync")->count() == 6);
    for (const auto& f : r.files) ::unlink(f.path.c_str());
  }
  CkptOptions o;
  o.common.threads = 2;
  o.dir = t.root();
  o.size = 1 << 20;
  CkptResult r;
  REQUIRE_FALSE(run_ckpt(o, r));
  CHECK(r.removed);
  CHECK(entries(t.root()) == 0);
  o.dir = t.path("missing");
  const auto err = run_ckpt(o, r);
  REQUIRE(err);
  CHECK(err->kind == ErrorKind::usage);
}

TEST_CASE("ckpt stops on the interrupt flag and still removes its files") {
  dskit::test::TempTree t;
  std::atomic<bool> flag{true};
  CkptOptions o;
  o.common.threads = 2;
  o.common.interrupt = &flag;
  o.dir = t.root();
  o.size = 64 << 20;
  CkptResult r;
  REQUIRE_FALSE(run_ckpt(o, r));
  CHECK(r.write.interrupted);
  CHECK(r.removed);
  CHECK(entries(t.root()) == 0);
}

TEST_CASE("meta runs every phase on every file and leaves nothing behind") {
  dskit::test::TempTree t;
  for (bool hard : {false, true}) {
    MetaOptions o;
    o.common.threads = 3;
    o.dir = t.root();
    o.files = 50;
    o.file_size = 100;
    o.hard = hard;
    MetaResult r;
    REQUIRE_FALSE(run_meta(o, r));
    REQUIRE(r.phases.size() == 5);
    const char* names[] = {"create", "stat", "read", "readdir", "unlink"};
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(r.phases[i].name == names[i]);
      const Summary s = summarize(r.phases[i].result.threads);
      CHECK(s.error_count == 0);
      // readdir counts entries listed: each thread lists its own 50, or the shared 150 in hard mode
      CHECK(s.ops == (i == 3 && hard ? 450u : 150u));
    }
    CHECK(summarize(r.phases[2].result.threads).bytes == 150 * 100);
    CHECK(r.removed);
    CHECK(entries(t.root()) == 0);
  }
}

TEST_SUITE_END();
