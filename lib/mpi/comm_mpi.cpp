#include "mpi/comm_mpi.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#ifdef DSKIT_HAVE_MPI
#include <mpi.h>
#endif

namespace dskit::mpi {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// The number of processes the launcher started, or 0 when it does not say.
[[maybe_unused]] long launched_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "SLURM_NTASKS"})
    if (const char* v = env(name)) return std::strtol(v, nullptr, 10);
  return 0;
}

#ifdef DSKIT_HAVE_MPI

// Messages are cut into rounds of at most this many bytes per rank, so that counts and displacements fit
// MPI's int arguments whatever the data size.
int64_t chunk_for(int ranks) {
  // DSKIT_MPI_CHUNK: a smaller round, so that tests send every message in many rounds.
  if (const char* v = env("DSKIT_MPI_CHUNK"))
    if (const long long c = std::strtoll(v, nullptr, 10); c > 0) return c;
  return std::max<int64_t>(1, std::min<int64_t>(int64_t{256} << 20, INT_MAX / std::max(1, ranks)));
}

// The bytes of a message of `n` bytes that travel in the round starting at offset `off`.
int round_bytes(uint64_t n, uint64_t off, int64_t chunk) {
  return static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(chunk), n > off ? n - off : 0));
}

// Counts and displacements of one round of a gatherv/scatterv over messages of `sizes` bytes; returns the
// round's total.
int round_layout(const std::vector<uint64_t>& sizes, uint64_t off, int64_t chunk, std::vector<int>& counts,
                 std::vector<int>& displs) {
  int total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    counts[r] = round_bytes(sizes[r], off, chunk);
    displs[r] = total;
    total += counts[r];
  }
  return total;
}

constexpr int kPointTag = 17;  // send/receive; the collectives have their own matching

class MpiComm final : public Comm {
 public:
  MpiComm() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiComm() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  std::vector<std::string> gather(std::string_view mine) override {
    const uint64_t n = mine.size();
    std::vector<uint64_t> sizes(is_root() ? size_ : 0);
    MPI_Gather(&n, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    std::vector<std::string> out(sizes.size());
    for (std::size_t r = 0; r < out.size(); ++r) out[r].resize(sizes[r]);
    const uint64_t longest = all_max(n);
    const int64_t chunk = chunk_for(size_);
    std::vector<int> counts(size_), displs(size_);
    std::vector<char> buf;
    for (uint64_t off = 0; off < longest; off += static_cast<uint64_t>(chunk)) {
      const int mine_n = round_bytes(n, off, chunk);
      if (is_root()) buf.resize(static_cast<std::size_t>(round_layout(sizes, off, chunk, counts, displs)));
      MPI_Gatherv(mine.data() + std::min<uint64_t>(off, n), mine_n, MPI_CHAR, buf.data(), counts.data(),
                  displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
      if (is_root())
        for (int r = 0; r < size_; ++r) std::copy_n(buf.data() + displs[r], counts[r], out[r].data() + off);
    }
    return out;
  }

  std::string scatter(const std::vector<std::string>& parts) override {
    std::vector<uint64_t> sizes;
    if (is_root())
      for (int r = 0; r < size_; ++r)
        sizes.push_back(r < static_cast<int>(parts.size()) ? parts[r].size() : 0);
    uint64_t n = 0;
    MPI_Scatter(sizes.data(), 1, MPI_UINT64_T, &n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    std::string mine(n, '\0');
    const uint64_t longest = all_max(n);
    const int64_t chunk = chunk_for(size_);
    std::vector<int> counts(size_), displs(size_);
    std::vector<char> buf;
    for (uint64_t off = 0; off < longest; off += static_cast<uint64_t>(chunk)) {
      if (is_root()) {
        buf.resize(static_cast<std::size_t>(round_layout(sizes, off, chunk, counts, displs)));
        for (int r = 0; r < size_; ++r)
          if (counts[r]) std::copy_n(parts[r].data() + off, counts[r], buf.data() + displs[r]);
      }
      const int mine_n = round_bytes(n, off, chunk);
      MPI_Scatterv(buf.data(), counts.data(), displs.data(), MPI_CHAR,
                   mine.data() + std::min<uint64_t>(off, n), mine_n, MPI_CHAR, 0, MPI_COMM_WORLD);
    }
    return mine;
  }

  std::string broadcast(std::string data) override {
    uint64_t n = data.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    data.resize(n);
    const int64_t chunk = chunk_for(1);
    for (uint64_t off = 0; off < n; off += static_cast<uint64_t>(chunk))
      MPI_Bcast(data.data() + off,
                static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(chunk), n - off)), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    return data;
  }

  void send(int to, std::string_view data) override {
    MPI_Send(data.data(), static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX)), MPI_CHAR, to,
             kPointTag, MPI_COMM_WORLD);
  }

  std::optional<std::string> receive(int& from, int wait_ms) override {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    std::chrono::microseconds nap(20);
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kPointTag, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        int n = 0;
        MPI_Get_count(&st, MPI_CHAR, &n);
        std::string data(static_cast<std::size_t>(n), '\0');
        MPI_Recv(data.data(), n, MPI_CHAR, st.MPI_SOURCE, kPointTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        from = st.MPI_SOURCE;
        return data;
      }
      if (std::chrono::steady_clock::now() >= end) return std::nullopt;
      std::this_thread::sleep_for(nap);
      nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::milliseconds(2));
    }
  }

  void abort(int code) override { MPI_Abort(MPI_COMM_WORLD, code); }

  bool all_ok(bool ok) override {
    int in = ok ? 1 : 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return out != 0;
  }

 private:
  uint64_t all_max(uint64_t v) {
    uint64_t m = 0;
    MPI_Allreduce(&v, &m, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return m;
  }
  int rank_ = 0, size_ = 1;
};

#endif

}  // namespace

bool launched_by_mpi() {
  return env("OMPI_COMM_WORLD_SIZE") || env("PMIX_RANK") || env("PMI_RANK") || env("PMI_SIZE");
}

bool built_with_mpi() {
#ifdef DSKIT_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Comm> join([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv, std::string& error) {
  const char* off = env("DSKIT_MPI");
  if ((off && std::string_view(off) == "0") || !launched_by_mpi()) return std::make_unique<SoloComm>();
#ifdef DSKIT_HAVE_MPI
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
    error = "MPI_Init failed";
    return nullptr;
  }
  return std::make_unique<MpiComm>();
#else
  if (launched_size() > 1) {
    error = "started by an MPI launcher with " + std::to_string(launched_size()) +
            " processes, but this build has no MPI support (rebuild with Open MPI installed)";
    return nullptr;
  }
  return std::make_unique<SoloComm>();
#endif
}

}  // namespace dskit::mpi
