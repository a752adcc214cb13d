#include "dskit/bench/gate.h"

#include <fmt/format.h>

#include <algorithm>

namespace dskit::bench {

namespace {
std::string code_bytes(int code) {
  WireWriter w;
  w.i64(code);
  return std::move(w.bytes());
}
}  // namespace

int RankGate::agree_failure(int my_code) {
  const auto codes = comm_.gather(code_bytes(my_code));
  std::string job;
  if (comm_.is_root()) {
    int first = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      WireReader r(codes[i]);
      const int c = static_cast<int>(r.i64());
      if (c == 0) continue;
      error(fmt::format("rank {} of {} failed (exit {}); no result", i, codes.size(), c));
      if (!first) first = c;
    }
    job = code_bytes(first ? first : kGateExitFailed);
  }
  const std::string agreed = comm_.broadcast(job);  // the reader views it: keep it alive
  WireReader r(agreed);
  code_ = static_cast<int>(r.i64());
  state_ = State::finished;
  return code_;
}

bool RankGate::start() {
  if (!mpi()) {
    state_ = State::started;
    return true;
  }
  if (!comm_.all_ok(true)) {
    agree_failure(0);
    return false;
  }
  comm_.barrier();
  state_ = State::started;
  return true;
}

bool RankGate::ready() {
  if (!mpi()) return true;
  if (!comm_.all_ok(true)) {
    agree_failure(0);
    return false;
  }
  return true;
}

int RankGate::finish(const RankResult& mine, const Report& report) {
  state_ = State::finished;
  const auto parts = comm_.gather(encode_rank_result(mine));
  std::string job;
  if (comm_.is_root()) {
    std::vector<RankResult> all;
    int code = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto r = decode_rank_result(parts[i]);
      if (!r) {
        error(fmt::format("rank {}: unreadable result", i));
        r = RankResult{};
        r->code = kGateExitFailed;
      }
      if (r->code) {
        error(
            fmt::format("rank {} of {} failed (exit {}); its result is left out", i, parts.size(), r->code));
        if (!code) code = r->code;
      }
      all.push_back(std::move(*r));
    }
    const MergedRanks m = merge_ranks(all);
    if (out_.report)
      if (const int rc = out_.report(report(m, all)); rc && !code) code = rc;
    if (!code && m.total.errors) code = kGateExitFailed;
    job = code_bytes(code);
  }
  const std::string agreed = comm_.broadcast(job);  // the reader views it: keep it alive
  WireReader r(agreed);
  code_ = static_cast<int>(r.i64());
  return code_;
}

int RankGate::close(int rc) {
  if (!mpi()) return rc;
  switch (state_) {
    case State::setup:
      if (comm_.all_ok(false)) return rc;  // cannot happen: this rank said no
      return agree_failure(rc ? rc : kGateExitFailed);
    case State::started: {
      RankResult failed;
      failed.code = rc ? rc : kGateExitFailed;
      return finish(failed, [](const MergedRanks&, const std::vector<RankResult>&) { return std::string(); });
    }
    case State::finished:
      break;
  }
  return code_ ? code_ : rc;
}

std::vector<DatasetFile> rank_share(const std::vector<DatasetFile>& files, const RankGate& gate) {
  std::vector<DatasetFile> mine;
  for (std::size_t i = static_cast<std::size_t>(gate.rank()); i < files.size();
       i += static_cast<std::size_t>(gate.size()))
    mine.push_back(files[i]);
  return mine;
}

void rank_budgets(CommonOptions& c, const RankGate& gate) {
  if (!gate.mpi()) return;
  const auto n = static_cast<unsigned>(gate.size()), me = static_cast<unsigned>(gate.rank());
  if (c.ops) c.ops = std::max<uint64_t>(share(c.ops, n, me), 1);
  if (c.bytes) c.bytes = std::max<uint64_t>(share(c.bytes, n, me), 1);
}

}  // namespace dskit::bench
