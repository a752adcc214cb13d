#include "dskit/bench/common.h"

#include <cerrno>
#include <cstring>

#include "dskit/order/shuffle.h"

namespace dskit::bench {

std::optional<BenchError> resolve_engine(CommonOptions& o, std::vector<std::string>& warnings) {
  if (o.engine != EngineKind::io_uring) return std::nullopt;
  const int err = probe_uring();
  if (err == 0) return std::nullopt;
  const std::string why = std::string("io_uring is not available: ") + std::strerror(err) +
                          (err == EPERM ? " (disabled by kernel.io_uring_disabled or a seccomp filter)" : "");
  if (!o.engine_fallback) return BenchError{ErrorKind::engine, why + "; use --engine psync or --engine auto"};
  warnings.push_back(why + "; using psync");
  o.engine = EngineKind::psync;
  return std::nullopt;
}

std::unique_ptr<Engine> make_engine(const CommonOptions& o) {
  if (o.engine == EngineKind::io_uring) return make_uring_engine(o.iodepth, nullptr);
  return make_psync_engine();
}

BenchError open_error(const PathError& e, bool direct) {
  if (direct && e.err == EINVAL)
    return {ErrorKind::direct_refused, e.path + ": the filesystem refuses O_DIRECT (" + std::strerror(e.err) +
                                           "); use --buffered to measure through the page cache"};
  const bool missing = e.err == ENOENT || e.err == ENOTDIR;
  const bool denied = e.err == EACCES || e.err == EPERM || e.err == EROFS;
  // A missing path reads as in every tool, "PATH: No such file or directory" (dskit(7)).
  return {missing  ? ErrorKind::usage
          : denied ? ErrorKind::output
                   : ErrorKind::io,
          e.err == ENOENT ? e.path + ": " + std::strerror(e.err) : describe(e)};
}

uint64_t share(uint64_t total, unsigned threads, unsigned t) {
  return total / threads + (t < total % threads ? 1 : 0);
}

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = seed = mix64(seed + 0x9E3779B97F4A7C15ULL);
}

uint64_t Rng::next() {
  const auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return r;
}

uint64_t Rng::below(uint64_t n) {
  __extension__ using u128 = unsigned __int128;
  return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64);
}

}  // namespace dskit::bench
