// dschip over MPI ranks (cohort.h): measuring, dealing pieces out as ranks ask, and rank 0's assembly of
// chips.tsv and the shards in one-process order.
#include "dskit/image/cohort.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "dskit/image/tar_shard.h"
#include "dskit/tar/reader.h"

namespace dskit::image {

namespace {

namespace fs = std::filesystem;

// Message kinds, worker to rank 0: the first request, a piece's result with the next request, a piece's
// result and no more requests (interrupted or unable to write).
enum : uint64_t { kHello = 0, kDone = 1, kQuit = 2 };

using Piece = CohortPiece;

// What a piece reports back to rank 0.
struct PieceResult {
  ImageReport rep;
  std::string output_error;  // the piece's chips or its manifest could not be written
  bool interrupted = false;
  bool done = false;
};

uint64_t double_bits(double d) {
  uint64_t u = 0;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

double bits_double(uint64_t u) {
  double d = 0;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

void put_result(WireWriter& w, std::size_t input, std::size_t band, const PieceResult& r) {
  w.u64(input);
  w.u64(band);
  w.str(r.rep.error);
  w.u64(r.rep.level);
  w.u64(double_bits(r.rep.downsample));
  for (uint64_t v :
       {r.rep.chips, r.rep.resumed, r.rep.rejected, r.rep.tiles_decoded, r.rep.bytes, r.rep.copied})
    w.u64(v);
  w.str(r.rep.copy_fallback);
  w.str(r.output_error);
  w.u64(r.interrupted);
}

void get_result(WireReader& rd, std::size_t& input, std::size_t& band, PieceResult& r) {
  input = rd.u64();
  band = rd.u64();
  r.rep.error = rd.str();
  r.rep.level = rd.u64();
  r.rep.downsample = bits_double(rd.u64());
  for (uint64_t* v :
       {&r.rep.chips, &r.rep.resumed, &r.rep.rejected, &r.rep.tiles_decoded, &r.rep.bytes, &r.rep.copied})
    *v = rd.u64();
  r.rep.copy_fallback = rd.str();
  r.output_error = rd.str();
  r.interrupted = rd.u64() != 0;
  r.done = true;
}

std::string piece_dir(const ChipOptions& o, std::size_t input, std::size_t band) {
  return fmt::format("{}/{}/{}-{}", o.out_dir, kPartsDir, input, band);
}

// Chips one piece, an exception failing its image only.
PieceResult chip_piece(const std::vector<std::string>& inputs, const ChipOptions& o, const Piece& p,
                       const std::shared_ptr<const ResumeIndex>& resume, ChipProgress* progress) {
  PieceResult out;
  try {
    const ChipPiece cp{p.input, p.band, p.bands, piece_dir(o, p.input, p.band)};
    // Written by path below: neither the parts directory nor the piece's may be a symbolic link.
    const std::string parts = o.out_dir + "/" + kPartsDir;
    struct stat st {};
    if (::mkdir(cp.dir.c_str(), 0777) != 0 && errno != EEXIST) {
      out.output_error = describe(PathError{cp.dir, errno, "mkdir"});
    } else if (::lstat(parts.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
               ::lstat(cp.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      out.output_error =
          cp.dir + " is not a directory of dschip's (a symbolic link?); dschip does not write through one";
    }
    if (!out.output_error.empty()) {
      out.rep.error = out.output_error;
      out.done = true;
      return out;
    }
    ChipResult r = run_piece(inputs, o, cp, resume, progress);
    out.rep = std::move(r.images[p.input]);
    if (r.output_error) out.output_error = describe(*r.output_error);
    if (r.manifest_error) out.output_error = *r.manifest_error;
    out.interrupted = r.interrupted;
  } catch (const std::exception& e) {
    out.rep.error = std::string("cannot chip the image (") + e.what() + ")";
  }
  out.done = true;
  return out;
}

bool read_exact(int fd, uint64_t off, std::size_t n, std::vector<unsigned char>& buf) {
  buf.resize(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t k = ::pread(fd, buf.data() + done, n - done, off_t(off + done));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    done += std::size_t(k);
  }
  return true;
}

// Rank 0's side: the dealer, its own chipping thread and the assembly.
class Dealer {
 public:
  Dealer(const std::vector<std::string>& inputs, const ChipOptions& o, Comm& comm, ChipProgress* progress,
         std::vector<Piece> pieces)
      : inputs_(inputs),
        o_(o),
        comm_(comm),
        progress_(progress),
        pieces_(std::move(pieces)),
        results_(pieces_.size()),
        rank_of_(pieces_.size(), -1) {
    for (std::size_t k = 0; k < pieces_.size(); ++k) index_[{pieces_[k].input, pieces_[k].band}] = k;
    bands_left_.assign(inputs.size(), 0);
    for (const auto& p : pieces_) bands_left_[p.input] = p.bands;
  }

  ChipResult run(const std::shared_ptr<const ResumeIndex>& resume) {
    std::thread own([&] {
      while (const auto k = take(0)) {
        PieceResult r = chip_piece(inputs_, o_, pieces_[*k], resume, progress_);
        record(*k, std::move(r), /*count_chips=*/false);
      }
    });
    int workers = comm_.size() - 1;
    while (workers > 0) {
      int from = 0;
      const auto msg = comm_.receive(from, 200);
      if (!msg) continue;
      WireReader rd(*msg);
      const uint64_t kind = rd.u64();
      if (kind != kHello) {
        std::size_t input = 0, band = 0;
        PieceResult r;
        get_result(rd, input, band, r);
        const auto it = index_.find({input, band});
        if (!rd.failed() && it != index_.end()) record(it->second, std::move(r), /*count_chips=*/true);
      }
      if (kind == kQuit) {
        --workers;
        continue;
      }
      WireWriter w;
      const auto k = take(from);
      w.u64(k ? 1 : 0);
      if (k) {
        w.u64(pieces_[*k].input);
        w.u64(pieces_[*k].band);
        w.u64(pieces_[*k].bands);
      } else {
        --workers;
      }
      comm_.send(from, w.bytes());
    }
    own.join();
    return assemble();
  }

 private:
  // The next piece for `rank`, or nullopt when none is left or the run stops.
  std::optional<std::size_t> take(int rank) {
    std::lock_guard lock(mu_);
    if (stop_ || (o_.stop && o_.stop->load()) || next_ >= pieces_.size()) return std::nullopt;
    rank_of_[next_] = rank;
    return next_++;
  }

  void record(std::size_t k, PieceResult r, bool count_chips) {
    std::lock_guard lock(mu_);
    if (!r.output_error.empty() || r.interrupted) stop_ = true;
    if (progress_) {
      if (count_chips) progress_->done += r.rep.chips;
      if (--bands_left_[pieces_[k].input] == 0) ++progress_->images_done;
    }
    results_[k] = std::move(r);
  }

  // Merges the pieces' reports per image, fills chips.tsv and the shards in one-process order.
  ChipResult assemble() {
    ChipResult res;
    res.images.resize(inputs_.size());
    for (std::size_t i = 0; i < inputs_.size(); ++i) res.images[i].path = inputs_[i];
    std::vector<std::size_t> order(pieces_.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::pair(pieces_[a].input, pieces_[a].band) < std::pair(pieces_[b].input, pieces_[b].band);
    });
    for (const std::size_t k : order) {
      const Piece& p = pieces_[k];
      const PieceResult& r = results_[k];
      ImageReport& rep = res.images[p.input];
      rep.pieces = p.bands;
      if (p.band == 0) {
        rep.rank = rank_of_[k];
        rep.level = r.rep.level;
        rep.downsample = r.rep.downsample;
        rep.rejected = r.rep.rejected;
      }
      if (!r.done) {
        res.interrupted = true;  // never handed out: the run stopped first
        continue;
      }
      if (rep.error.empty()) rep.error = r.rep.error;
      if (rep.copy_fallback.empty()) rep.copy_fallback = r.rep.copy_fallback;
      rep.chips += r.rep.chips;
      rep.resumed += r.rep.resumed;
      rep.tiles_decoded += r.rep.tiles_decoded;
      rep.bytes += r.rep.bytes;
      rep.copied += r.rep.copied;
      res.interrupted = res.interrupted || r.interrupted;
      if (!r.output_error.empty() && !res.manifest_error)
        res.manifest_error =
            rank_of_[k] > 0 ? fmt::format("rank {}: {}", rank_of_[k], r.output_error) : r.output_error;
    }
    if (res.manifest_error) return res;  // as one process: no manifest after a write failed
    Manifest m = make_chip_manifest(o_);
    TarShardWriter shards(o_.out_dir, o_.shard_size);
    const int shard_col = m.find_column("shard");
    for (const std::size_t k : order) {
      if (!results_[k].done) continue;
      if (auto e = add_piece(pieces_[k], m, shards, shard_col)) {
        res.manifest_error = *e;
        return res;
      }
    }
    if (o_.shard_size > 0) {
      if (auto e = shards.finish()) {
        res.output_error = *e;
        return res;
      }
      res.shards = shards.shards();
    }
    for (const auto& img : res.images) {
      res.chips += img.chips;
      res.bytes += img.bytes;
    }
    m.sort_by_path();
    if (auto e = write_manifest(m, chip_manifest_path(o_))) res.manifest_error = describe(*e);
    if (!res.manifest_error && !res.output_error) {
      std::error_code ec;
      fs::remove_all(o_.out_dir + "/" + kPartsDir, ec);
    }
    return res;
  }

  // Appends a piece's manifest rows to `m` and, with shards, its chips to the shards.
  std::optional<std::string> add_piece(const Piece& p, Manifest& m, TarShardWriter& shards, int shard_col) {
    const std::string dir = piece_dir(o_, p.input, p.band);
    Manifest part;
    if (auto e = load_manifest(dir + "/chips.tsv", {}, part)) return describe(*e);
    if (part.column_names() != m.column_names()) return dir + "/chips.tsv: unexpected columns";
    std::map<std::string, std::size_t> row_of;  // member name -> row of m
    for (std::size_t r = 0; r < part.size(); ++r) {
      const std::size_t row = m.add_row();
      for (std::size_t c = 0; c < m.num_columns(); ++c) m.set_cell(row, c, part.cell(r, c));
      if (shard_col >= 0) row_of[part.path(r)] = row;
    }
    if (shard_col < 0 || part.empty()) return std::nullopt;
    const std::string tar_path = dir + "/shard-000000.tar";
    const int fd = ::open(tar_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return describe(PathError{tar_path, errno, "open"});
    struct stat st {};
    std::optional<std::string> err;
    if (::fstat(fd, &st) != 0) err = describe(PathError{tar_path, errno, "stat"});
    tar::Reader rd = tar::Reader::over_fd(fd, err ? 0 : uint64_t(st.st_size));
    tar::Member mem;
    std::vector<unsigned char> buf;
    std::size_t members = 0;
    while (!err && rd.next(mem)) {
      const auto it = row_of.find(mem.name);
      std::string shard;
      if (it == row_of.end() || !read_exact(fd, mem.data_offset, std::size_t(mem.size), buf)) {
        err = tar_path + ": " + mem.name + ": not the member its chips.tsv lists";
      } else if (auto e = shards.add(mem.name, buf, shard)) {
        err = describe(*e);
      } else {
        m.set_cell_raw(it->second, std::size_t(shard_col), shard);
        ++members;
      }
    }
    ::close(fd);
    if (!err && (rd.error() || members != part.size())) err = tar_path + ": incomplete";
    return err;
  }

  const std::vector<std::string>& inputs_;
  const ChipOptions& o_;
  Comm& comm_;
  ChipProgress* progress_;
  std::vector<Piece> pieces_;
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> index_;  // (input, band) -> piece
  std::mutex mu_;
  std::vector<PieceResult> results_;
  std::vector<int> rank_of_;
  std::vector<std::size_t> bands_left_;  // per input
  std::size_t next_ = 0;
  bool stop_ = false;
};

// A rank other than 0: asks for pieces and chips them until rank 0 has none left (or this rank stops).
ChipResult work(const std::vector<std::string>& inputs, const ChipOptions& o, Comm& comm,
                const std::shared_ptr<const ResumeIndex>& resume) {
  ChipResult res;
  WireWriter hello;
  hello.u64(kHello);
  comm.send(0, hello.bytes());
  for (;;) {
    int from = 0;
    std::optional<std::string> msg;
    while (!(msg = comm.receive(from, 1000))) {
    }
    WireReader rd(*msg);
    if (rd.u64() == 0) break;
    Piece p;
    p.input = rd.u64();
    p.band = rd.u64();
    p.bands = rd.u64();
    if (rd.failed() || p.input >= inputs.size() || p.band >= p.bands) break;  // cannot happen: a bug
    const PieceResult r = chip_piece(inputs, o, p, resume, nullptr);
    const bool quit = !r.output_error.empty() || r.interrupted;
    if (!r.output_error.empty()) res.output_error = PathError{o.out_dir, EIO, r.output_error};
    res.interrupted = res.interrupted || r.interrupted;
    WireWriter w;
    w.u64(quit ? kQuit : kDone);
    put_result(w, p.input, p.band, r);
    comm.send(0, w.bytes());
    if (quit) break;
  }
  return res;
}

}  // namespace

std::vector<CohortPiece> deal_pieces(const std::vector<InputSize>& sizes, int ranks) {
  uint64_t total = 0;
  for (const auto& s : sizes) total += s.pixels;
  const uint64_t limit = std::max<uint64_t>(1, total / (2 * uint64_t(ranks)));
  std::vector<CohortPiece> pieces;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::size_t bands = 1;
    if (sizes[i].pixels > limit)
      bands = std::min<std::size_t>(std::max<std::size_t>(1, sizes[i].block_rows),
                                    std::size_t((sizes[i].pixels + limit - 1) / limit));
    for (std::size_t b = 0; b < bands; ++b) pieces.push_back({i, b, bands, sizes[i].pixels / bands});
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const CohortPiece& a, const CohortPiece& b) { return a.pixels > b.pixels; });
  return pieces;
}

ChipResult run_cohort(const std::vector<std::string>& inputs, const ChipOptions& opts, Comm& comm,
                      ChipProgress* progress) {
  const int rank = comm.rank(), ranks = comm.size();
  // Rank 0 clears what an earlier run left in the parts directory and makes it anew; every rank learns
  // whether it could.
  std::string setup_error;
  if (comm.is_root()) {
    const std::string parts = opts.out_dir + "/" + kPartsDir;
    std::error_code ec;
    fs::remove_all(parts, ec);  // a symbolic link planted there is removed, not followed
    if (ec || (::mkdir(parts.c_str(), 0777) != 0 && errno != EEXIST))
      setup_error = describe(PathError{parts, ec ? ec.value() : errno, ec ? "remove" : "mkdir"});
  }
  if (!comm.all_ok(setup_error.empty())) {
    ChipResult r;
    r.manifest_error = setup_error.empty() ? "rank 0 could not prepare the output" : setup_error;
    return r;
  }
  const auto resume = opts.resume ? read_resume_index(opts) : nullptr;
  // Every rank measures every N-th input; rank 0 gathers the sizes.
  WireWriter w;
  for (std::size_t i = std::size_t(rank); i < inputs.size(); i += std::size_t(ranks)) {
    const InputSize s = measure_input(inputs[i], opts);
    w.u64(i);
    w.u64(s.pixels);
    w.u64(s.block_rows);
  }
  const std::vector<std::string> all = comm.gather(w.bytes());
  if (!comm.is_root()) return work(inputs, opts, comm, resume);
  std::vector<InputSize> sizes(inputs.size());
  for (const auto& part : all) {
    WireReader rd(part);
    while (!rd.done() && !rd.failed()) {
      const uint64_t i = rd.u64();
      const uint64_t px = rd.u64(), rows = rd.u64();
      if (!rd.failed() && i < sizes.size()) sizes[i] = {px, std::size_t(rows)};
    }
  }
  Dealer d(inputs, opts, comm, progress, deal_pieces(sizes, ranks));
  return d.run(resume);
}

}  // namespace dskit::image
