// dsbench meta over ranks: file names never collide, and with ranks played by threads of this process
// (ThreadComm) hard mode puts every rank's files in one shared directory that rank 0 removes once. The ranks
// agree through the real RankGate (lib/dskit/bench/gate.h), as dsbench meta does.
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dskit/bench/gate.h"
#include "dskit/bench/meta.h"
#include "dskit/bench/stats.h"
#include "temp_tree.h"

using namespace dskit;
using namespace dskit::bench;

namespace {

// The collectives of `n` ranks, each a thread of this process: barrier, gather, broadcast and all_ok (what
// meta and the rank gate use).
struct ThreadGroup {
  explicit ThreadGroup(int ranks) : n(ranks), sync(ranks), parts(static_cast<std::size_t>(ranks)) {}
  int n;
  std::barrier<> sync;
  std::string slot;
  std::vector<std::string> parts;
  std::atomic<bool> refused{false};
};

class ThreadComm final : public Comm {
 public:
  ThreadComm(ThreadGroup& g, int rank) : g_(g), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return g_.n; }
  void barrier() override { g_.sync.arrive_and_wait(); }
  std::vector<std::string> gather(std::string_view mine) override {
    g_.parts[static_cast<std::size_t>(rank_)] = std::string(mine);
    g_.sync.arrive_and_wait();
    std::vector<std::string> out;
    if (is_root()) out = g_.parts;
    g_.sync.arrive_and_wait();  // rank 0 has read them before the next gather writes
    return out;
  }
  std::string scatter(const std::vector<std::string>&) override { return {}; }
  std::string broadcast(std::string data) override {
    if (is_root()) g_.slot = std::move(data);
    g_.sync.arrive_and_wait();
    std::string out = g_.slot;
    g_.sync.arrive_and_wait();  // every rank has read it before the next broadcast writes
    return out;
  }
  bool all_ok(bool ok) override {
    if (!ok) g_.refused.store(true);
    g_.sync.arrive_and_wait();
    const bool all = !g_.refused.load();
    g_.sync.arrive_and_wait();
    if (is_root()) g_.refused.store(false);
    g_.sync.arrive_and_wait();
    return all;
  }

 private:
  ThreadGroup& g_;
  int rank_;
};

struct RankRun {
  bool setup_failed = false;
  int code = 0;  // the job's exit code, as the gate agreed it
  std::vector<std::string> messages;
  MetaResult result;
};

// The gate of rank `run`: its messages kept, rank 0's report taken as printed.
RankGate gate_of(Comm& comm, RankRun& run) {
  return RankGate(comm, {[&run](const std::string& m) { run.messages.push_back(m); },
                         [](const std::string&) { return 0; }});
}

// One rank as dsbench meta runs it: the set-up agreed on through the gate, the phases, the result to rank 0.
void run_rank(const MetaOptions& mine, RankGate& gate, RankRun& run) {
  if (!gate.ready()) {
    run.setup_failed = true;
    run.code = gate.code();
    return;
  }
  if (meta_setup(mine, run.result)) {
    run.setup_failed = true;
    run.code = gate.close(2);
    return;
  }
  if (!gate.start()) {
    run.setup_failed = true;
    meta_abandon(mine, run.result);
    run.code = gate.code();
    return;
  }
  meta_phases(mine, run.result);
  RankResult result;
  for (const auto& p : run.result.phases) result.ops += summarize(p.result.threads).ops;
  run.code = gate.finish(result, [](const MergedRanks& m, const std::vector<RankResult>&) {
    return std::to_string(m.total.ops);
  });
}

// Runs meta on `ranks` threads, each a rank, with the options `o` (rank r's interrupt flag: flags[r]).
std::vector<RankRun> run_ranks(int ranks, const MetaOptions& o, std::atomic<bool>* flags = nullptr) {
  ThreadGroup g(ranks);
  std::vector<RankRun> runs(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadComm comm(g, r);
      MetaOptions mine = o;
      mine.comm = &comm;
      if (flags) mine.common.interrupt = &flags[r];
      RankGate gate = gate_of(comm, runs[r]);
      run_rank(mine, gate, runs[r]);
    });
  for (auto& t : threads) t.join();
  return runs;
}

uint64_t phase_ops(const MetaResult& r, const char* name) {
  for (const auto& p : r.phases)
    if (p.name == name) return summarize(p.result.threads).ops;
  return 0;
}

// Two threads per rank, `files` each, in `t`.
MetaOptions options(const dskit::test::TempTree& t, uint64_t files, bool hard) {
  MetaOptions o;
  o.common.threads = 2;
  o.dir = t.root();
  o.files = files;
  o.hard = hard;
  return o;
}

std::vector<std::string> tree(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    out.push_back(std::filesystem::relative(e.path(), root).string());
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("meta");

TEST_CASE("meta paths: hard mode has one directory for all ranks, names unique per rank and thread") {
  std::set<std::string> names;
  for (int rank = 0; rank < 4; ++rank)
    for (unsigned t = 0; t < 4; ++t) {
      CHECK(meta_thread_dir("w", true, t) == "w/shared");
      for (uint64_t i = 0; i < 12; ++i) {
        const std::string p = meta_file_path("w", true, rank, t, i);
        CHECK(p.rfind("w/shared/", 0) == 0);
        CHECK(p.find('/', 9) == std::string::npos);
        names.insert(p);
      }
    }
  CHECK(names.size() == 4u * 4 * 12);
  // rank 1 thread 11 and rank 11 thread 1: the separators keep them apart
  CHECK(meta_file_path("w", true, 1, 11, 1) != meta_file_path("w", true, 11, 1, 1));
  CHECK(meta_file_path("w", true, 2, 3, 4) == "w/shared/r2.t3.f4");
  CHECK(meta_thread_dir("w", false, 3) == "w/t3");
  CHECK(meta_file_path("w", false, 5, 3, 7) == "w/t3/f7");
}

TEST_CASE("meta hard mode over ranks: one shared directory, every listing sees all ranks' files") {
  dskit::test::TempTree t;
  MetaOptions o = options(t, 20, true);
  const int ranks = 3;
  auto runs = run_ranks(ranks, o);
  for (int r = 0; r < ranks; ++r) {
    CAPTURE(r);
    const MetaResult& m = runs[r].result;
    REQUIRE_FALSE(runs[r].setup_failed);
    CHECK(m.workdir == runs[0].result.workdir);  // rank 0's
    CHECK(m.phases.size() == 5);
    for (const char* name : {"create", "stat", "read", "unlink"}) CHECK(phase_ops(m, name) == 2 * 20);
    // Each of this rank's 2 threads listed the shared directory: 3 ranks x 2 threads x 20 files.
    CHECK(phase_ops(m, "readdir") == 2 * (ranks * 2 * 20));
    CHECK(m.cleanup_errors.empty());
    CHECK(m.removed == (r == 0));  // rank 0 removes it, once every rank has removed its files
  }
  CHECK(tree(t.root()).empty());

  // --keep: one work directory with only the (now empty) shared directory in it, no directory per rank.
  o.keep = true;
  runs = run_ranks(ranks, o);
  const std::string base = std::filesystem::path(runs[0].result.workdir).filename().string();
  CHECK(tree(t.root()) == std::vector<std::string>{base, base + "/shared"});
  for (const auto& run : runs) CHECK(phase_ops(run.result, "readdir") == 2 * (ranks * 2 * 20));
}

TEST_CASE("meta easy mode over ranks: a work directory per rank, each removed by its rank") {
  dskit::test::TempTree t;
  MetaOptions o = options(t, 10, false);
  auto runs = run_ranks(2, o);
  CHECK(runs[0].result.workdir != runs[1].result.workdir);
  for (const auto& run : runs) {
    CHECK(phase_ops(run.result, "readdir") == 2 * 10);
    CHECK(run.result.removed);
  }
  CHECK(tree(t.root()).empty());
}

TEST_CASE("meta over ranks: an interrupt on one rank stops every rank's phases, and nothing is left") {
  dskit::test::TempTree t;
  const MetaOptions o = options(t, 10, true);
  std::atomic<bool> flags[3] = {false, true, false};
  const auto runs = run_ranks(3, o, flags);
  for (const auto& run : runs) CHECK(run.result.phases.empty());
  CHECK(runs[0].result.removed);
  CHECK(tree(t.root()).empty());
}

TEST_CASE("meta hard mode over ranks: a failed set-up leaves nothing, rank 0 removes the shared directory") {
  dskit::test::TempTree t;
  MetaOptions o = options(t, 10, true);
  // rank 0 cannot make its directory: every rank learns it and none runs.
  o.dir = t.path("missing");
  auto runs = run_ranks(2, o);
  for (const auto& run : runs) CHECK(run.setup_failed);
  CHECK(runs[1].result.workdir.empty());
  CHECK(tree(t.root()).empty());

  // Another rank in a different mode: rank 0's shared directory is removed (by rank 0 only).
  o.dir = t.root();
  ThreadGroup g(2);
  RankRun r0, r1;
  std::thread other([&] {
    ThreadComm comm(g, 1);
    MetaOptions easy = o;
    easy.comm = &comm;
    easy.hard = false;
    RankGate gate = gate_of(comm, r1);
    run_rank(easy, gate, r1);
  });
  ThreadComm comm(g, 0);
  MetaOptions hard = o;
  hard.comm = &comm;
  RankGate gate = gate_of(comm, r0);
  run_rank(hard, gate, r0);
  other.join();
  CHECK(r0.setup_failed);  // its set-up worked, but rank 1's did not: it never starts
  CHECK(r1.setup_failed);
  CHECK(r0.code == 2);  // the failed rank's code, on every rank
  CHECK(r1.code == 2);
  CHECK(r0.messages == std::vector<std::string>{"rank 1 of 2 failed (exit 2); no result"});
  CHECK(r0.result.removed);
  CHECK(tree(t.root()).empty());
}

TEST_SUITE_END();
