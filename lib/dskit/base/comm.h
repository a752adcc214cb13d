// The group of processes a run is spread over (MPI ranks on one or many nodes), as the library sees it:
// rank, size and the few collectives dskit needs, all on byte strings. A plain run is the one-rank group
// `SoloComm`; the MPI group lives in lib/mpi (dskit_mpi) and is made by the app only when the tool was
// started by mpirun or srun. Every rank must make the same sequence of collective calls: failures are
// agreed on with `all_ok` before a rank leaves, so one failing rank never leaves the others waiting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dskit {

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  virtual void barrier() = 0;
  // Every rank's `mine`, in rank order, on rank 0; an empty vector on the other ranks.
  virtual std::vector<std::string> gather(std::string_view mine) = 0;
  // Rank 0 passes one part per rank (the others pass nothing); each rank gets its part.
  virtual std::string scatter(const std::vector<std::string>& parts) = 0;
  // Rank 0's `data` on every rank.
  virtual std::string broadcast(std::string data) = 0;
  // True on every rank when `ok` is true on every rank.
  virtual bool all_ok(bool ok) = 0;
  // Point-to-point, for work handed out as ranks ask for it (dschip's cohort): `data` (a small message) to
  // rank `to`; and the next message from any rank, its sender in `from`, or nullopt when none came within
  // `wait_ms`. The wait sleeps between polls rather than spinning a core. One process has no one to talk to.
  virtual void send(int /*to*/, std::string_view /*data*/) {}
  virtual std::optional<std::string> receive(int& /*from*/, int /*wait_ms*/) { return std::nullopt; }
  // Ends every rank of the group with `code` (MPI_Abort): for a rank that cannot go on while others may be
  // waiting for its messages. One process returns.
  virtual void abort(int /*code*/) {}
};

// One process: the collectives are identities.
class SoloComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void barrier() override {}
  std::vector<std::string> gather(std::string_view mine) override { return {std::string(mine)}; }
  std::string scatter(const std::vector<std::string>& parts) override {
    return parts.empty() ? std::string() : parts[0];
  }
  std::string broadcast(std::string data) override { return data; }
  bool all_ok(bool ok) override { return ok; }
};

// Little-endian packing of the values ranks exchange.
class WireWriter {
 public:
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(std::string_view s);
  std::string& bytes() { return buf_; }

 private:
  std::string buf_;
};

class WireReader {
 public:
  explicit WireReader(std::string_view b) : b_(b) {}
  // Reading past the end yields zeros and empty strings and sets `failed`.
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string_view str();
  bool done() const { return pos_ == b_.size(); }
  bool failed() const { return failed_; }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace dskit
