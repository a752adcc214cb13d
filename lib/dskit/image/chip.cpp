#include "dskit/image/chip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dskit/hash/hash.h"
#include "dskit/image/cv_source.h"
#include "dskit/image/jpeg_decode.h"
#include "dskit/image/plan.h"
#include "dskit/image/tar_shard.h"
#include "dskit/manifest/manifest.h"
#include "dskit/tar/reader.h"
#include "dskit/walk/walk.h"

namespace dskit::image {

struct ShardMember {
  std::string shard;    // the previous run's shard holding the member
  uint64_t offset = 0;  // of its data
};
struct ResumeIndex {
  std::map<std::string, KeptChip> kept;        // the previous manifest's chips
  std::map<std::string, ShardMember> members;  // with shards: reusable members by name
};

namespace {

namespace fs = std::filesystem;

constexpr int kThumbSide = 2048;

// One input being chipped; shared by its blocks while they are in flight.
struct ImageJob {
  uint64_t id = 0;
  ImageReport* report = nullptr;
  std::string stem;        // the file's own stem (--label-map looks it up)
  std::string out_stem;    // output_stems(): the chip directory (files) or member prefix (shards)
  std::string out_subdir;  // OUT/out_stem, for messages
  int dir_fd = -1;         // OUT/out_stem, opened without following a symbolic link
  std::unique_ptr<ImageSource> src;
  std::size_t level = 0;
  double ds = 1;  // output pixel in level-0 pixels
  double f = 1;   // output pixel in pixels of the level read
  int cw = 0, ch = 0;
  std::size_t cache_bytes = 0;
  bool copy = false;  // --jpeg-copy applies to this image
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> tiles{0};
  std::mutex mu;

  void fail(const std::string& msg) {
    std::lock_guard lock(mu);
    if (!failed.exchange(true)) report->error = msg;
  }
  void copy_fell_back(const std::string& msg) {
    std::lock_guard lock(mu);
    if (report->copy_fallback.empty()) report->copy_fallback = msg;
  }
  ~ImageJob() {
    report->tiles_decoded = tiles.load();
    if (dir_fd >= 0) ::close(dir_fd);
  }
};

struct ChipOut {
  std::string name;                 // file name (files) or member name (shards)
  std::vector<unsigned char> data;  // encoded bytes, kept only for shards
  uint64_t size = 0;
  std::string hash;
  int64_t mtime_ns = 0;
  uint64_t ino = 0;
  int64_t x = 0, y = 0, w = 0, h = 0;
  double tissue = -1;
  bool resumed = false;
  bool copied = false;  // --jpeg-copy: cut from the JPEG data
};

struct Block {
  std::shared_ptr<ImageJob> job;
  std::vector<ChipTask> chips;
  std::vector<ChipOut> outs;
};

// Reads the w x h region at (x, y) of `level`, padding what lies outside it.
std::optional<std::string> read_padded(RegionReader& r, std::size_t level, const Level& lv, int64_t x,
                                       int64_t y, int w, int h, const std::array<unsigned char, 3>& pad,
                                       cv::Mat& out, cv::Mat& tmp) {
  if (x >= 0 && y >= 0 && x + w <= lv.width && y + h <= lv.height) return r.read(level, x, y, w, h, out);
  out.create(h, w, CV_8UC3);
  out.setTo(cv::Scalar(pad[0], pad[1], pad[2]));
  const int64_t x0 = std::max<int64_t>(x, 0), y0 = std::max<int64_t>(y, 0);
  const int64_t x1 = std::min<int64_t>(x + w, lv.width), y1 = std::min<int64_t>(y + h, lv.height);
  if (x1 <= x0 || y1 <= y0) return std::nullopt;
  if (auto e = r.read(level, x0, y0, int(x1 - x0), int(y1 - y0), tmp)) return e;
  tmp.copyTo(out(cv::Rect(int(x0 - x), int(y0 - y), int(x1 - x0), int(y1 - y0))));
  return std::nullopt;
}

std::optional<std::string> read_chip(RegionReader& r, const ImageJob& job, const ChipOptions& o, int64_t gx,
                                     int64_t gy, cv::Mat& chip, cv::Mat& big, cv::Mat& tmp) {
  const Level& lv = job.src->levels()[job.level];
  if (std::abs(job.f - 1) < 1e-9)
    return read_padded(r, job.level, lv, gx, gy, job.cw, job.ch, o.pad_bgr, chip, tmp);
  const auto lx = int64_t(std::floor(double(gx) * job.f)), ly = int64_t(std::floor(double(gy) * job.f));
  const int lw = std::max(1, int(std::lround(job.cw * job.f))),
            lh = std::max(1, int(std::lround(job.ch * job.f)));
  if (auto e = read_padded(r, job.level, lv, lx, ly, lw, lh, o.pad_bgr, big, tmp)) return e;
  cv::resize(big, chip, cv::Size(job.cw, job.ch), 0, 0, job.f > 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return std::nullopt;
}

// --jpeg-copy: why this image's chips cannot be cut from its JPEG tiles (the grid must lie on the JPEG
// blocks of the level read, with no resize), or nullopt.
std::optional<std::string> copy_refusal(const ImageSource& src, const ImagePlan& plan, const ChipOptions& o) {
  if (o.format != ChipFormat::jpg) return std::string("the chips are not JPEG");
  if (std::abs(plan.f - 1) > 1e-9) return fmt::format("the chips are resized from level {}", plan.level);
  JpegGrid grid;
  JpegTileFetch fetch;
  auto reader = src.reader(0);
  if (auto e = reader->jpeg_tiles(plan.level, grid, fetch)) return e;
  std::string err;
  const int imcu = jpeg_imcu(grid, fetch, err);
  if (imcu == 0) return err;
  bool on = plan.cw % imcu == 0 && plan.ch % imcu == 0;
  for (int64_t v : plan.xs) on = on && v % imcu == 0;
  for (int64_t v : plan.ys) on = on && v % imcu == 0;
  for (const ChipTask& c : plan.coords) on = on && c.gx % imcu == 0 && c.gy % imcu == 0;
  if (!on) return fmt::format("the chip size, stride or origin is off the {0}x{0} JPEG block grid", imcu);
  return std::nullopt;
}

bool read_whole_fd(int fd, std::size_t size, std::vector<unsigned char>& data) {
  data.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += std::size_t(n);
  }
  return true;
}

// --resume: an existing chip counts when it matches the previous manifest's row (size and hash), or, when
// that manifest does not list it, when it is complete and decodes to the chip's size (check_kept_chip).
bool verify_existing(int dir_fd, const std::string& name, const KeptChip* listed, int w, int h,
                     ChipOut& out) {
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::vector<unsigned char> data;
  const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                  (!listed || uint64_t(st.st_size) == listed->size) &&
                  read_whole_fd(fd, std::size_t(st.st_size), data);
  ::close(fd);
  if (!ok || !check_kept_chip(data, listed, w, h, out.hash)) return false;
  out.size = data.size();
  out.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.ino = st.st_ino;
  out.resumed = true;
  return true;
}

std::string overlay_path(const std::string& overlay, const std::string& stem, bool several) {
  if (!several) return overlay;
  const fs::path p(overlay);
  return (p.parent_path() / (p.stem().string() + "-" + stem + p.extension().string())).string();
}

bool is_shard_name(const std::string& s) {
  return s.size() == 16 && s.compare(0, 6, "shard-") == 0 && s.compare(12, 4, ".tar") == 0 &&
         std::all_of(s.begin() + 6, s.begin() + 12, [](char c) { return c >= '0' && c <= '9'; });
}

// --resume with shards: the members of the shards the previous chips.tsv lists, each shard checked whole
// (a tar that reads to its end marker, holding exactly the members chips.tsv lists for it, of the sizes
// it lists). Their bytes are reused (read back and checked against the listed hash) instead of decoding and
// encoding the chips again; every shard is written anew in order, so the result is what an uninterrupted
// run writes. A shard chips.tsv does not list (the one being written at kill -9) is made again.
void index_shards(int out_fd, ResumeIndex& idx) {
  std::map<std::string, std::size_t> listed;  // shard -> members chips.tsv lists in it
  for (const auto& [name, k] : idx.kept)
    if (is_shard_name(k.shard)) ++listed[k.shard];
  for (const auto& [shard, count] : listed) {
    const int fd = ::openat(out_fd, shard.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    std::vector<std::pair<std::string, ShardMember>> found;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      tar::Reader r = tar::Reader::over_fd(fd, uint64_t(st.st_size));
      tar::Member m;
      bool ok = true;
      while (ok && r.next(m)) {
        const auto it = idx.kept.find(m.name);
        ok = m.type == '0' && it != idx.kept.end() && it->second.shard == shard && it->second.size == m.size;
        if (ok) found.emplace_back(m.name, ShardMember{shard, m.data_offset});
      }
      if (ok && !r.error() && r.saw_end_marker() && found.size() == count)
        for (auto& [name, sm] : found) idx.members.emplace(std::move(name), std::move(sm));
    }
    ::close(fd);
  }
}

// The previous run's index for --resume; a damaged or unreadable previous manifest only means the chips are
// checked by decoding them.
std::shared_ptr<ResumeIndex> load_resume(const ChipOptions& o, int out_fd) {
  auto idx = std::make_shared<ResumeIndex>();
  if (read_chip_index(chip_manifest_path(o), idx->kept)) idx->kept.clear();
  if (o.shard_size > 0) index_shards(out_fd, *idx);
  return idx;
}

// Blocks per block row of `plan` (--coords: runs of 64 chips, one a row).
std::size_t blocks_per_row(const ImagePlan& plan) {
  return plan.coords.empty() ? std::max<std::size_t>(1, (plan.xs.size() + plan.cols_per - 1) / plan.cols_per)
                             : 1;
}

// The blocks of `plan` in band `band` of `bands` runs of its block rows.
std::pair<std::size_t, std::size_t> band_blocks(const ImagePlan& plan, std::size_t band, std::size_t bands) {
  const std::size_t per_row = blocks_per_row(plan);
  const std::size_t rows = plan.blocks() / per_row;
  return {rows * band / bands * per_row, rows * (band + 1) / bands * per_row};
}

// The chips the mask keeps in blocks [b0, b1) of `plan`.
uint64_t kept_in(const ImagePlan& plan, std::size_t b0, std::size_t b1) {
  if (!plan.coords.empty())
    return uint64_t(std::count(plan.keep.begin() + std::ptrdiff_t(std::min(plan.keep.size(), b0 * 64)),
                               plan.keep.begin() + std::ptrdiff_t(std::min(plan.keep.size(), b1 * 64)), 1));
  const std::size_t per_row = blocks_per_row(plan);
  const std::size_t r0 = std::min(plan.ys.size(), b0 / per_row * plan.rows_per),
                    r1 = std::min(plan.ys.size(), b1 / per_row * plan.rows_per);
  return uint64_t(std::count(plan.keep.begin() + std::ptrdiff_t(r0 * plan.xs.size()),
                             plan.keep.begin() + std::ptrdiff_t(r1 * plan.xs.size()), 1));
}

// Runs the pipeline over every input.
class Chipper {
 public:
  Chipper(const std::vector<std::string>& inputs, const ChipOptions& o, ChipProgress* p,
          const ChipPiece* piece = nullptr, std::shared_ptr<const ResumeIndex> resume = nullptr)
      : inputs_(inputs),
        o_(o),
        progress_(p),
        piece_(piece),
        resume_(std::move(resume)),
        shards_(piece ? piece->dir : o.out_dir, piece ? SIZE_MAX : o.shard_size) {
    res_.images.resize(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) res_.images[i].path = inputs[i];
  }

  ~Chipper() {
    if (out_fd_ >= 0) ::close(out_fd_);
  }

  ChipResult run() {
    const bool shards = o_.shard_size > 0;
    const std::string final_path = chip_manifest_path(o_);
    const std::string mpath = piece_ ? piece_->dir + "/chips.tsv" : final_path;
    stems_ = output_stems(inputs_, shards, fs::path(final_path).filename().string());
    next_input_ = piece_ ? piece_->input : 0;
    end_input_ = piece_ ? piece_->input + 1 : inputs_.size();
    out_fd_ = ::open(o_.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (out_fd_ < 0) {
      res_.output_error = PathError{o_.out_dir, errno, "open"};
      return std::move(res_);
    }
    if (o_.resume && !resume_) resume_ = load_resume(o_, out_fd_);
    manifest_ = make_chip_manifest(o_);
    for (const char* c : {"image", "level", "x", "y", "w", "h", "tissue"})
      cols_.push_back(manifest_.find_column(c));
    shard_col_ = manifest_.find_column("shard");
    copied_col_ = manifest_.find_column("copied");
    if (!o_.mask_file.empty()) {
      if (auto e = read_whole_image(o_.mask_file, cv::IMREAD_GRAYSCALE, o_.max_pixels, user_mask_)) {
        for (auto& r : res_.images) r.error = o_.mask_file + ": cannot read the mask image: " + *e;
        return std::move(res_);
      }
    }
    const unsigned threads = std::max(1u, o_.threads);
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    tbb::enumerable_thread_specific<Local> locals;
    tbb::parallel_pipeline(
        threads * 2, tbb::make_filter<void, Block*>(tbb::filter_mode::serial_in_order,
                                                    [&](tbb::flow_control& fc) -> Block* {
                                                      Block* b = next_block();
                                                      if (!b) fc.stop();
                                                      return b;
                                                    }) &
                         tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel,
                                                          [&](Block* b) {
                                                            process(*b, locals.local());
                                                            return b;
                                                          }) &
                         tbb::make_filter<Block*, void>(tbb::filter_mode::serial_in_order, [&](Block* b) {
                           finish(*b);
                           delete b;
                         }));
    locals.clear();
    current_.reset();
    if (shards && !output_error_)
      if (auto e = shards_.finish()) set_output_error(*e);
    res_.shards = shards_.shards();
    if (output_error_) {
      res_.output_error = *output_error_;
    } else {
      manifest_.sort_by_path();
      if (auto e = write_manifest(manifest_, mpath)) res_.manifest_error = describe(*e);
    }
    return std::move(res_);
  }

 private:
  struct Local {
    uint64_t job_id = 0;
    std::unique_ptr<RegionReader> reader;
    cv::Mat chip, big, tmp;
    std::vector<unsigned char> enc;
    bool jpeg_ready = false;  // --jpeg-copy: jpeg_* below are for this reader
    std::optional<std::string> jpeg_error;
    JpegGrid grid;
    JpegTileFetch fetch;
    std::unique_ptr<JpegTileCache> jpeg_cache;
  };

  // --jpeg-copy: the chip's JPEG cut from the source tiles into L.enc; false (the reason recorded) when it
  // is to be decoded and encoded instead.
  bool copy_chip(ImageJob& job, Local& L, const ChipTask& t, ChipOut& out) {
    if (!job.copy) return false;
    if (!L.jpeg_ready) {
      L.jpeg_error = L.reader->jpeg_tiles(job.level, L.grid, L.fetch);
      L.jpeg_cache = std::make_unique<JpegTileCache>(2 * job.cache_bytes);  // coefficients: up to 6 B/px
      L.jpeg_ready = true;
    }
    std::optional<std::string> e = L.jpeg_error;
    if (!e) e = jpeg_copy(L.grid, L.fetch, t.gx, t.gy, job.cw, job.ch, L.enc, L.jpeg_cache.get());
    if (e) {
      job.copy_fell_back(fmt::format("chip at ({}, {}): {}", out.x, out.y, *e));
      return false;
    }
    out.copied = true;
    return true;
  }

  // A chip's bytes from a shard of the previous run, when they are there with the size and hash chips.tsv
  // lists for them (the shard may have been replaced since it was indexed: then they are not).
  bool reuse_from_shard(ChipOut& out) const {
    const auto it = resume_->members.find(out.name);
    if (it == resume_->members.end()) return false;
    const KeptChip& k = resume_->kept.at(out.name);
    const int fd =
        ::openat(out_fd_, it->second.shard.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    out.data.resize(k.size);
    std::size_t done = 0;
    while (done < k.size) {
      const ssize_t n = ::pread(fd, out.data.data() + done, k.size - done, off_t(it->second.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += std::size_t(n);
    }
    ::close(fd);
    out.hash.clear();
    if (done == k.size)
      append_hash_hex(out.hash, std::string_view(reinterpret_cast<const char*>(out.data.data()), k.size),
                      HashAlgo::xxh3_128);
    if (done != k.size || out.hash != k.hash) {
      out.data.clear();
      out.hash.clear();
      return false;
    }
    out.size = k.size;
    out.resumed = true;
    return true;
  }

  void set_output_error(const PathError& e) {
    std::lock_guard lock(err_mu_);
    if (!output_error_) output_error_ = e;
    stop_ = true;
  }

  // Opens the next input and plans its blocks; false when the input failed (recorded). An exception (no
  // memory, a decoder's) fails this image only.
  bool start_image(std::size_t i) {
    try {
      return start_image_unguarded(i);
    } catch (const std::exception& e) {
      res_.images[i].error = std::string("cannot chip the image (") + e.what() + ")";
    }
    return false;
  }

  bool start_image_unguarded(std::size_t i) {
    ImageReport& rep = res_.images[i];
    auto job = std::make_shared<ImageJob>();
    job->id = i + 1;
    job->report = &rep;
    std::string err;
    job->src = open_image(inputs_[i], o_.reader, err, o_.max_pixels);
    if (!job->src) {
      rep.error = err;
      return false;
    }
    const auto& levels = job->src->levels();
    ImagePlan plan;
    if (auto e = plan_image(levels, job->src->mpp(), o_, plan)) {
      rep.error = *e;
      return false;
    }
    job->level = plan.level;
    job->ds = plan.ds;
    job->f = plan.f;
    job->cw = plan.cw;
    job->ch = plan.ch;
    job->cache_bytes = plan.cache_bytes;
    rep.level = job->level;
    rep.downsample = job->ds;
    if (o_.jpeg_copy) {
      const auto refusal = copy_refusal(*job->src, plan, o_);
      job->copy = !refusal;
      if (refusal) rep.copy_fallback = *refusal;
    }
    job->stem = fs::path(inputs_[i]).stem().string();
    job->out_stem = stems_[i];
    const int64_t w0 = levels[0].width, h0 = levels[0].height;

    // Tissue mask and the chips it keeps.
    cv::Mat thumb;
    TissueMask mask;
    if (o_.use_mask || !o_.overlay.empty()) {
      if (o_.mask_file.empty() || !o_.overlay.empty()) {
        if (auto e = read_thumbnail(*job->src, kThumbSide, thumb, o_.max_pixels)) {
          rep.error = "thumbnail: " + *e;
          return false;
        }
      }
      if (o_.use_mask)
        mask = TissueMask(o_.mask_file.empty() ? compute_mask(thumb, o_.mask) : user_mask_, w0, h0);
    }
    judge_chips(mask, o_, plan);
    const bool first_band = !piece_ || piece_->band == 0;
    if (first_band) rep.rejected = plan.rejected;
    if (!o_.overlay.empty() && first_band) {
      if (auto e = draw_overlay(thumb, plan, *job, w0, h0)) {
        set_output_error(*e);
        return false;
      }
    }
    if (o_.shard_size == 0) {
      job->out_subdir = o_.out_dir + "/" + job->out_stem;
      // Made and opened relative to OUT, never through a symbolic link planted at OUT/STEM.
      if (::mkdirat(out_fd_, job->out_stem.c_str(), 0777) != 0 && errno != EEXIST) {
        set_output_error(PathError{job->out_subdir, errno, "mkdir"});
        return false;
      }
      job->dir_fd = ::openat(out_fd_, job->out_stem.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (job->dir_fd < 0) {
        const int e = errno;
        struct stat st {};
        if (::fstatat(out_fd_, job->out_stem.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
          rep.error = job->out_subdir + " is a symbolic link; dschip does not write through one";
        else if (e == ENOTDIR)
          rep.error = job->out_subdir + " exists and is not a directory";
        else
          rep.error = job->out_subdir + ": " + std::strerror(e);
        return false;
      }
    }
    std::tie(plan_next_, plan_end_) = piece_ ? band_blocks(plan, piece_->band, piece_->bands)
                                             : std::pair<std::size_t, std::size_t>(0, plan.blocks());
    if (progress_) progress_->total += piece_ ? kept_in(plan, plan_next_, plan_end_) : plan.kept;
    current_ = std::move(job);
    plan_ = std::move(plan);
    return true;
  }

  std::optional<PathError> draw_overlay(const cv::Mat& thumb, const ImagePlan& plan, const ImageJob& job,
                                        int64_t w0, int64_t h0) {
    cv::Mat img = thumb.clone();
    const double sx = double(img.cols) / double(w0), sy = double(img.rows) / double(h0);
    const double cw0 = double(o_.size.w) * job.ds, ch0 = double(o_.size.h) * job.ds;
    auto box = [&](int64_t gx, int64_t gy) {
      const double x = double(to_level0(gx, job.ds)) * sx, y = double(to_level0(gy, job.ds)) * sy;
      cv::rectangle(img, cv::Point(int(x), int(y)), cv::Point(int(x + cw0 * sx), int(y + ch0 * sy)),
                    cv::Scalar(0, 160, 0), 1);
    };
    if (!plan.coords.empty()) {
      for (std::size_t k = 0; k < plan.coords.size(); ++k)
        if (plan.keep[k]) box(plan.coords[k].gx, plan.coords[k].gy);
    } else {
      for (std::size_t r = 0; r < plan.ys.size(); ++r)
        for (std::size_t c = 0; c < plan.xs.size(); ++c)
          if (plan.keep[r * plan.xs.size() + c]) box(plan.xs[c], plan.ys[r]);
    }
    std::vector<unsigned char> png;
    const std::string path = overlay_path(o_.overlay, job.out_stem, inputs_.size() > 1);
    if (!cv::imencode(".png", img, png)) return PathError{path, EIO, "encode"};
    if (auto e =
            write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size())))
      return PathError{path, e->err, "write"};
    return std::nullopt;
  }

  // Serial stage: the next block with at least one kept chip, across images.
  Block* next_block() {
    while (!stop_) {
      if (o_.stop && o_.stop->load()) {
        res_.interrupted = true;
        return nullptr;
      }
      if (!current_ || current_->failed || plan_next_ >= plan_end_) {
        current_.reset();
        if (next_input_ >= end_input_) return nullptr;
        const std::size_t i = next_input_++;
        if (!start_image(i) && progress_ && !piece_) ++progress_->images_done;
        continue;
      }
      auto b = std::make_unique<Block>();
      b->job = current_;
      const std::size_t bi = plan_next_++;
      if (!plan_.coords.empty()) {
        for (std::size_t k = bi * 64; k < std::min(plan_.coords.size(), (bi + 1) * 64); ++k)
          if (plan_.keep[k]) b->chips.push_back(plan_.coords[k]);
      } else {
        const std::size_t ncb = (plan_.xs.size() + plan_.cols_per - 1) / plan_.cols_per;
        const std::size_t br = bi / ncb, bc = bi % ncb;
        for (std::size_t r = br * plan_.rows_per; r < std::min(plan_.ys.size(), (br + 1) * plan_.rows_per);
             ++r)
          for (std::size_t c = bc * plan_.cols_per; c < std::min(plan_.xs.size(), (bc + 1) * plan_.cols_per);
               ++c) {
            const std::size_t k = r * plan_.xs.size() + c;
            if (plan_.keep[k])
              b->chips.push_back({plan_.xs[c], plan_.ys[r], plan_.tissue.empty() ? -1 : plan_.tissue[k]});
          }
      }
      if (plan_next_ >= plan_end_ && progress_ && !piece_) ++progress_->images_done;
      if (!b->chips.empty()) return b.release();
    }
    return nullptr;
  }

  // Parallel stage: read, encode and (for files) write every chip of the block.
  void process(Block& b, Local& L) {
    ImageJob& job = *b.job;
    if (job.failed || stop_) return;
    try {
      process_unguarded(b, L);
    } catch (const std::exception& e) {
      L.job_id = 0;  // the reader may be in any state
      L.reader.reset();
      b.outs.clear();
      job.fail(std::string("cannot chip the image (") + e.what() + ")");
    }
  }

  void process_unguarded(Block& b, Local& L) {
    ImageJob& job = *b.job;
    if (L.job_id != job.id) {
      L.reader = job.src->reader(job.cache_bytes);
      L.job_id = job.id;
      L.jpeg_ready = false;
    }
    const uint64_t tiles_before = L.reader->tiles_decoded();
    const bool shards = o_.shard_size > 0;
    const std::string ext(chip_extension(o_.format));
    b.outs.reserve(b.chips.size());
    for (const ChipTask& t : b.chips) {
      ChipOut out;
      out.x = to_level0(t.gx, job.ds);
      out.y = to_level0(t.gy, job.ds);
      out.w = int64_t(std::lround(job.cw * job.ds));
      out.h = int64_t(std::lround(job.ch * job.ds));
      out.tissue = t.tissue;
      out.name = shards ? fmt::format("{}_{}_{}.{}", job.out_stem, out.x, out.y, ext)
                        : fmt::format("{}_{}.{}", out.x, out.y, ext);
      if (o_.resume && shards && reuse_from_shard(out)) {
        b.outs.push_back(std::move(out));
        continue;
      }
      if (o_.resume && !shards) {
        const auto it = resume_->kept.find(job.out_stem + "/" + out.name);
        if (verify_existing(job.dir_fd, out.name, it == resume_->kept.end() ? nullptr : &it->second, job.cw,
                            job.ch, out)) {
          b.outs.push_back(std::move(out));
          continue;
        }
        out.hash.clear();
      }
      if (!copy_chip(job, L, t, out)) {
        if (auto e = read_chip(*L.reader, job, o_, t.gx, t.gy, L.chip, L.big, L.tmp)) {
          job.fail(*e);
          break;
        }
        if (!encode_chip(L.chip, o_.format, o_.quality, L.enc)) {
          job.fail(fmt::format("cannot encode chip {} as {}", out.name, ext));
          break;
        }
      }
      out.size = L.enc.size();
      append_hash_hex(out.hash, std::string_view(reinterpret_cast<const char*>(L.enc.data()), L.enc.size()),
                      HashAlgo::xxh3_128);
      if (shards) {
        out.data = L.enc;
      } else {
        struct stat st {};
        if (auto e = write_file_atomically(job.dir_fd, job.out_subdir, out.name, L.enc, &st)) {
          set_output_error(*e);
          break;
        }
        out.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        out.ino = st.st_ino;
      }
      b.outs.push_back(std::move(out));
    }
    job.tiles += L.reader->tiles_decoded() - tiles_before;
  }

  // Serial stage, in block order: shards, manifest rows, counters.
  void finish(Block& b) {
    ImageReport& rep = *b.job->report;
    for (ChipOut& c : b.outs) {
      std::string shard;
      if (o_.shard_size > 0 && !stop_) {
        if (auto e = shards_.add(c.name, c.data, shard)) {
          set_output_error(*e);
          return;
        }
      }
      if (stop_) return;
      const std::size_t row = manifest_.add_row();
      manifest_.set_cell_raw(row, std::size_t(manifest_.path_col()),
                             o_.shard_size > 0 ? c.name : b.job->out_stem + "/" + c.name);
      manifest_.set_cell_uint(row, std::size_t(manifest_.size_col()), c.size);
      manifest_.set_cell_int(row, std::size_t(manifest_.mtime_col()), c.mtime_ns);
      manifest_.set_cell_uint(row, std::size_t(manifest_.ino_col()), c.ino);
      manifest_.set_cell(row, std::size_t(manifest_.hash_col()), c.hash);
      if (manifest_.label_col() >= 0) {
        const auto it = o_.label_map.find(b.job->stem);
        manifest_.set_cell_raw(row, std::size_t(manifest_.label_col()),
                               it != o_.label_map.end() ? it->second : o_.label);
      }
      manifest_.set_cell_raw(row, std::size_t(cols_[0]), rep.path);
      manifest_.set_cell_uint(row, std::size_t(cols_[1]), b.job->level);
      manifest_.set_cell_int(row, std::size_t(cols_[2]), c.x);
      manifest_.set_cell_int(row, std::size_t(cols_[3]), c.y);
      manifest_.set_cell_int(row, std::size_t(cols_[4]), c.w);
      manifest_.set_cell_int(row, std::size_t(cols_[5]), c.h);
      if (c.tissue >= 0) manifest_.set_cell(row, std::size_t(cols_[6]), fmt::format("{:.4f}", c.tissue));
      if (shard_col_ >= 0) manifest_.set_cell_raw(row, std::size_t(shard_col_), shard);
      if (copied_col_ >= 0) manifest_.set_cell_uint(row, std::size_t(copied_col_), c.copied ? 1 : 0);
      rep.copied += c.copied;
      ++rep.chips;
      rep.resumed += c.resumed;
      rep.bytes += c.size;
      ++res_.chips;
      res_.bytes += c.size;
      if (progress_) ++progress_->done;
    }
  }

  const std::vector<std::string>& inputs_;
  const ChipOptions& o_;
  ChipProgress* progress_;
  const ChipPiece* piece_;                     // a cohort's piece, or null for a whole run
  std::shared_ptr<const ResumeIndex> resume_;  // --resume: the previous run's chips
  ChipResult res_;
  Manifest manifest_;
  std::vector<int> cols_;
  int shard_col_ = -1;
  int copied_col_ = -1;
  TarShardWriter shards_;
  cv::Mat user_mask_;
  std::vector<std::string> stems_;  // output_stems() of the inputs
  int out_fd_ = -1;
  std::shared_ptr<ImageJob> current_;
  ImagePlan plan_;
  std::size_t plan_next_ = 0;  // next block of plan_
  std::size_t plan_end_ = 0;   // past the last block of plan_ to chip
  std::size_t next_input_ = 0, end_input_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex err_mu_;
  std::optional<PathError> output_error_;
};

bool is_image_name(const fs::path& p) {
  static const std::set<std::string> exts = {".tif",  ".tiff", ".btf", ".svs", ".ndpi", ".mrxs",
                                             ".scn",  ".vms",  ".vmu", ".bif", ".png",  ".jpg",
                                             ".jpeg", ".webp", ".bmp", ".jp2"};
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return exts.count(e) > 0;
}

bool is_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[15] = {};
  in.read(head, sizeof head);
  return in.gcount() == 15 && std::string_view(head, 15) == "#dskit-manifest";
}

}  // namespace

namespace {

// Collects the image files below the directory arguments, from the parallel walker's workers: files with an
// image name, and symbolic links with one that lead to a regular file. Symbolic links to directories are not
// followed (no cycles); directories and entries that cannot be read are recorded and the walk goes on.
class ImageCollector final : public WalkVisitor {
 public:
  ImageCollector(const std::vector<std::string>& roots, unsigned workers)
      : roots_(roots), found_(roots.size()), below_(roots.size()), per_worker_(workers) {}

  Action on_entry(const Entry& e, unsigned worker) override {
    if (e.type == FileType::dir || !is_image_name(fs::path(e.name))) return Action::proceed;
    Local& l = per_worker_[worker];
    if (e.type == FileType::symlink) {
      struct stat st {};
      if (::stat(std::string(e.path).c_str(), &st) != 0) {
        l.below.push_back({e.root_index, PathError{std::string(e.path), errno, "stat"}});
        return Action::proceed;
      }
      if (!S_ISREG(st.st_mode)) return Action::proceed;
    } else if (e.type != FileType::file) {
      return Action::proceed;
    }
    l.found.emplace_back(e.root_index, std::string(e.path));
    return Action::proceed;
  }

  void on_error(const PathError& err, bool, unsigned worker) override {
    per_worker_[worker].below.push_back({current_root(err.path), err});
  }

  // Per root: its image files (sorted) and its errors (sorted by path), whatever order the workers found
  // them in.
  void finish(std::vector<std::vector<std::string>>& found, std::vector<std::vector<PathError>>& below) {
    for (auto& l : per_worker_) {
      for (auto& [r, p] : l.found) found_[r].push_back(std::move(p));
      for (auto& [r, e] : l.below) below_[r].push_back(std::move(e));
    }
    for (auto& f : found_) std::sort(f.begin(), f.end());
    for (auto& b : below_)
      std::sort(b.begin(), b.end(), [](const PathError& x, const PathError& y) { return x.path < y.path; });
    found = std::move(found_);
    below = std::move(below_);
  }

 private:
  struct Local {
    std::vector<std::pair<std::size_t, std::string>> found;
    std::vector<std::pair<std::size_t, PathError>> below;
  };
  // The root an error's path lies under (errors carry no root index): the longest root that prefixes it.
  std::size_t current_root(const std::string& path) const {
    std::size_t best = 0, best_len = 0;
    for (std::size_t r = 0; r < roots_.size(); ++r) {
      const std::string& root = roots_[r];
      if (path.compare(0, root.size(), root) == 0 && root.size() >= best_len) {
        best = r;
        best_len = root.size();
      }
    }
    return best;
  }

  const std::vector<std::string>& roots_;
  std::vector<std::vector<std::string>> found_;
  std::vector<std::vector<PathError>> below_;
  std::vector<Local> per_worker_;
};

}  // namespace

std::vector<std::string> expand_inputs(const std::vector<std::string>& args, std::vector<PathError>& errors,
                                       std::vector<PathError>& below) {
  // The directories first, walked together by the parallel walker with the concurrency their storage
  // suits (base/fstype); then every argument in order.
  std::vector<std::string> dirs;
  std::vector<std::size_t> dir_of(args.size(), SIZE_MAX);
  std::vector<bool> exists(args.size(), false);
  std::vector<int> stat_err(args.size(), 0);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::error_code ec;
    const auto st = fs::status(args[i], ec);
    if (ec || !fs::exists(st)) {
      stat_err[i] = ec ? ec.value() : ENOENT;
      continue;
    }
    exists[i] = true;
    if (fs::is_directory(st)) {
      dir_of[i] = dirs.size();
      dirs.push_back(args[i]);
    }
  }
  std::vector<std::vector<std::string>> found;
  std::vector<std::vector<PathError>> found_below;
  if (!dirs.empty()) {
    WalkOptions wo;  // threads 0: from the filesystem type of the roots
    const unsigned threads = choose_threads(dirs, 0);
    wo.threads = threads;
    ImageCollector collect(dirs, threads);
    walk(dirs, wo, collect);
    collect.finish(found, found_below);
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!exists[i]) {
      errors.push_back({a, stat_err[i], "stat"});
    } else if (dir_of[i] != SIZE_MAX) {
      auto& f = found[dir_of[i]];
      out.insert(out.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
      auto& b = found_below[dir_of[i]];
      below.insert(below.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
    } else if (is_manifest(a)) {
      Manifest m;
      if (auto e = load_manifest(a, {}, m)) {
        errors.push_back({a, e->err != 0 ? e->err : EINVAL, "manifest: " + e->message});
        continue;
      }
      for (std::size_t r = 0; r < m.size(); ++r) out.push_back(m.abs_path(r));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::optional<std::string> parse_chip_index(std::string text, const std::string& name,
                                            std::map<std::string, KeptChip>& out) {
  Manifest m;
  if (auto e = parse_manifest(std::move(text), name, {}, m)) return describe(*e);
  if (m.hash_col() < 0 || m.size_col() < 0) return std::nullopt;
  const int shard_col = m.find_column("shard");
  for (std::size_t r = 0; r < m.size(); ++r) {
    if (m.hash_hex(r).empty()) continue;
    out[m.path(r)] =
        KeptChip{m.file_size(r), std::string(m.hash_hex(r)),
                 shard_col >= 0 ? unescape_field(m.cell(r, std::size_t(shard_col))) : std::string()};
  }
  return std::nullopt;
}

std::optional<std::string> read_chip_index(const std::string& path, std::map<std::string, KeptChip>& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
  std::string text;
  if (auto e = read_manifest_text(path, text)) return describe(*e);
  return parse_chip_index(std::move(text), path, out);
}

bool check_kept_chip(std::span<const unsigned char> bytes, const KeptChip* listed, int w, int h,
                     std::string& hash) {
  if (bytes.empty()) return false;
  hash.clear();
  append_hash_hex(hash, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                  HashAlgo::xxh3_128);
  if (listed) return bytes.size() == listed->size && hash == listed->hash;
  if (!jpeg_complete(bytes)) return false;
  int64_t hw = 0, hh = 0;
  if (header_size(bytes, hw, hh) && (hw != w || hh != h)) return false;
  if (is_jpeg(bytes)) {  // decoded with libjpeg's warnings as errors (corrupt data is not kept)
    cv::Mat m;
    bool checked_only = false;
    if (decode_jpeg_strict(bytes, cv::IMREAD_COLOR, uint64_t(w) * uint64_t(h), m, checked_only)) return false;
    if (!checked_only) return m.cols == w && m.rows == h;
  }
  try {
    const cv::Mat m = cv::imdecode(
        cv::Mat(1, int(bytes.size()), CV_8U, const_cast<unsigned char*>(bytes.data())), cv::IMREAD_UNCHANGED);
    return m.cols == w && m.rows == h;
  } catch (const std::exception&) {
    return false;
  }
}

Manifest make_chip_manifest(const ChipOptions& o) {
  Manifest m = make_manifest(fs::absolute(o.out_dir).lexically_normal().string(), HashAlgo::xxh3_128,
                             !o.label.empty() || !o.label_map.empty());
  for (const char* c : {"image", "level", "x", "y", "w", "h", "tissue"}) m.add_column(c);
  if (o.shard_size > 0) m.add_column("shard");
  if (o.jpeg_copy) m.add_column("copied");
  return m;
}

std::string chip_manifest_path(const ChipOptions& o) {
  return o.manifest.empty() ? o.out_dir + "/chips.tsv" : o.manifest;
}

ChipResult run_chips(const std::vector<std::string>& inputs, const ChipOptions& opts,
                     ChipProgress* progress) {
  Chipper c(inputs, opts, progress);
  return c.run();
}

std::shared_ptr<const ResumeIndex> read_resume_index(const ChipOptions& opts) {
  const int fd = ::open(opts.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto idx = fd >= 0 ? load_resume(opts, fd) : std::make_shared<ResumeIndex>();
  if (fd >= 0) ::close(fd);
  return idx;
}

ChipResult run_piece(const std::vector<std::string>& inputs, const ChipOptions& opts, const ChipPiece& piece,
                     const std::shared_ptr<const ResumeIndex>& resume, ChipProgress* progress) {
  Chipper c(inputs, opts, progress, &piece, resume);
  return c.run();
}

InputSize measure_input(const std::string& path, const ChipOptions& opts) {
  try {
    std::string err;
    const auto src = open_image(path, opts.reader, err, opts.max_pixels);
    ImagePlan plan;
    if (!src || plan_image(src->levels(), src->mpp(), opts, plan)) return {};
    const Level& lv = src->levels()[plan.level];
    return {uint64_t(lv.width) * uint64_t(lv.height), plan.blocks() / blocks_per_row(plan)};
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace dskit::image
