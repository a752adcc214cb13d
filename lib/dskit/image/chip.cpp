#include "dskit/image/chip.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dskit/hash/hash.h"
#include "dskit/image/tar_shard.h"
#include "dskit/manifest/manifest.h"

namespace dskit::image {

namespace {

namespace fs = std::filesystem;

constexpr int kThumbSide = 2048;

// One input being chipped; shared by its blocks while they are in flight.
struct ImageJob {
  uint64_t id = 0;
  ImageReport* report = nullptr;
  std::string stem, member_stem, out_subdir;
  std::unique_ptr<ImageSource> src;
  std::size_t level = 0;
  double ds = 1;  // output pixel in level-0 pixels
  double f = 1;   // output pixel in pixels of the level read
  int cw = 0, ch = 0;
  std::size_t cache_bytes = 0;
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> tiles{0};
  std::mutex mu;

  void fail(const std::string& msg) {
    std::lock_guard lock(mu);
    if (!failed.exchange(true)) report->error = msg;
  }
  ~ImageJob() { report->tiles_decoded = tiles.load(); }
};

struct ChipTask {
  int64_t gx = 0, gy = 0;
  double tissue = -1;  // -1: no mask
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
};

struct Block {
  std::shared_ptr<ImageJob> job;
  std::vector<ChipTask> chips;
  std::vector<ChipOut> outs;
};

// Blocks of chips, generated lazily for one image: R chip rows x C chip columns (or runs of --coords).
struct BlockPlan {
  std::vector<int64_t> xs, ys;      // grid positions
  std::vector<ChipTask> coords;     // --coords: chips in source order
  std::vector<double> tissue;       // per (row, col) or per coord; empty without a mask
  std::vector<unsigned char> keep;  // per (row, col) or per coord
  std::size_t rows_per = 1, cols_per = 1;
  std::size_t next = 0;  // next block index
  std::size_t blocks() const {
    if (!coords.empty()) return (coords.size() + 63) / 64;
    return ((ys.size() + rows_per - 1) / rows_per) * ((xs.size() + cols_per - 1) / cols_per);
  }
};

std::string stem_of(const std::string& path) {
  const fs::path p(path);
  return p.stem().string();
}

int64_t lcm64(int64_t a, int64_t b) {
  return a / std::gcd(a, b) * b;
}

// Chip rows (or columns) per block: aligned to the source tiles when the chip stride and the tile size
// have a small common multiple (then no tile is shared by two blocks), otherwise about 2048 pixels.
std::size_t per_block(int64_t stride, int64_t tile, bool exact_scale) {
  if (exact_scale && tile > 0) {
    const int64_t l = lcm64(stride, tile);
    if (l <= 4096) return std::size_t(l / stride);
  }
  return std::size_t(std::max<int64_t>(1, 2048 / stride));
}

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

bool read_whole(const std::string& path, std::vector<unsigned char>& data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  data.assign(std::istreambuf_iterator<char>(in), {});
  return !in.bad();
}

// --resume: an existing chip counts when it decodes to the chip's size.
bool verify_existing(const std::string& path, int w, int h, ChipOut& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return false;
  std::vector<unsigned char> data;
  if (!read_whole(path, data)) return false;
  const cv::Mat m = cv::imdecode(data, cv::IMREAD_UNCHANGED);
  if (m.cols != w || m.rows != h) return false;
  out.size = data.size();
  append_hash_hex(out.hash, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
                  HashAlgo::xxh3_128);
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

std::string member_stem(std::string s) {
  // WebDataset takes everything before the first '.' of a member's base name as the sample key.
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

// Runs the pipeline over every input.
class Chipper {
 public:
  Chipper(const std::vector<std::string>& inputs, const ChipOptions& o, ChipProgress* p)
      : inputs_(inputs), o_(o), progress_(p), shards_(o.out_dir, o.shard_size) {
    res_.images.resize(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) res_.images[i].path = inputs[i];
  }

  ChipResult run() {
    const int64_t sx = o_.stride.w > 0 ? o_.stride.w : o_.size.w;
    const int64_t sy = o_.stride.h > 0 ? o_.stride.h : o_.size.h;
    stride_ = {sx, sy};
    const bool shards = o_.shard_size > 0;
    manifest_ = make_manifest(fs::absolute(o_.out_dir).lexically_normal().string(), HashAlgo::xxh3_128,
                              !o_.label.empty() || !o_.label_map.empty());
    for (const char* c : {"image", "level", "x", "y", "w", "h", "tissue"})
      cols_.push_back(manifest_.add_column(c));
    if (shards) shard_col_ = manifest_.add_column("shard");
    if (!o_.mask_file.empty()) {
      user_mask_ = cv::imread(o_.mask_file, cv::IMREAD_GRAYSCALE);
      if (user_mask_.empty()) {
        for (auto& r : res_.images) r.error = o_.mask_file + ": cannot read the mask image";
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
      const std::string mpath = o_.manifest.empty() ? o_.out_dir + "/chips.tsv" : o_.manifest;
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
  };

  void set_output_error(const PathError& e) {
    std::lock_guard lock(err_mu_);
    if (!output_error_) output_error_ = e;
    stop_ = true;
  }

  // Opens the next input and plans its blocks; false when the input failed (recorded).
  bool start_image(std::size_t i) {
    ImageReport& rep = res_.images[i];
    auto job = std::make_shared<ImageJob>();
    job->id = i + 1;
    job->report = &rep;
    std::string err;
    job->src = open_image(inputs_[i], o_.reader, err);
    if (!job->src) {
      rep.error = err;
      return false;
    }
    const auto& levels = job->src->levels();
    if (o_.level >= 0) {
      if (std::size_t(o_.level) >= levels.size()) {
        rep.error = fmt::format("level {} does not exist (the image has {} level{})", o_.level, levels.size(),
                                levels.size() == 1 ? "" : "s");
        return false;
      }
      job->ds = levels[std::size_t(o_.level)].downsample;
      job->level = std::size_t(o_.level);
    } else if (o_.mpp > 0) {
      if (job->src->mpp() <= 0) {
        rep.error = "the file gives no microns per pixel; use --level instead of --mpp";
        return false;
      }
      job->ds = o_.mpp / job->src->mpp();
      job->level = best_level(levels, job->ds);
    }
    const Level& lv = levels[job->level];
    job->f = job->ds / lv.downsample;
    if (o_.level >= 0) job->f = 1;
    job->cw = int(o_.size.w);
    job->ch = int(o_.size.h);
    rep.level = job->level;
    rep.downsample = job->ds;
    job->stem = stem_of(inputs_[i]);
    job->member_stem = member_stem(job->stem);
    const int64_t w0 = levels[0].width, h0 = levels[0].height;

    BlockPlan plan;
    if (o_.use_coords) {
      for (const auto& [x, y] : o_.coords)
        plan.coords.push_back(
            {int64_t(std::lround(double(x) / job->ds)), int64_t(std::lround(double(y) / job->ds)), -1});
      std::stable_sort(plan.coords.begin(), plan.coords.end(), [](const ChipTask& a, const ChipTask& b) {
        return std::tie(a.gy, a.gx) < std::tie(b.gy, b.gx);
      });
    } else {
      // Grid coordinates: level-0 / ds. With --level the grid is the level's own pixel grid.
      const Rect64 region = grid_region(w0, h0, job->ds, o_.roi);
      plan.xs = axis_positions(region.w, o_.size.w, stride_.w, o_.edge);
      plan.ys = axis_positions(region.h, o_.size.h, stride_.h, o_.edge);
      for (auto& x : plan.xs) x += region.x;
      for (auto& y : plan.ys) y += region.y;
      if (plan.xs.empty() || plan.ys.empty()) {
        rep.error = fmt::format("the image ({}x{} at the chip scale{}) is smaller than a {}x{} chip{}",
                                region.w, region.h, o_.roi.w > 0 ? ", inside --roi" : "", o_.size.w,
                                o_.size.h, o_.edge == EdgeMode::pad ? "" : "; use --edge pad to pad it");
        return false;
      }
      const bool exact = std::abs(job->f - 1) < 1e-9;
      plan.cols_per = lv.tile_width >= lv.width ? plan.xs.size() : per_block(stride_.w, lv.tile_width, exact);
      plan.rows_per = per_block(stride_.h, lv.tile_height, exact);
      if (lv.tile_width >= lv.width)
        plan.rows_per = std::max<std::size_t>(1, std::size_t(lv.tile_height / stride_.h));
    }

    // Tissue mask and the chips it keeps.
    cv::Mat thumb;
    TissueMask mask;
    if (o_.use_mask || !o_.overlay.empty()) {
      if (o_.mask_file.empty() || !o_.overlay.empty()) {
        if (auto e = read_thumbnail(*job->src, kThumbSide, thumb)) {
          rep.error = "thumbnail: " + *e;
          return false;
        }
      }
      if (o_.use_mask)
        mask = TissueMask(o_.mask_file.empty() ? compute_mask(thumb, o_.mask) : user_mask_, w0, h0);
    }
    const int64_t cw0 = int64_t(std::lround(double(o_.size.w) * job->ds)),
                  ch0 = int64_t(std::lround(double(o_.size.h) * job->ds));
    uint64_t kept = 0;
    auto judge = [&](int64_t gx, int64_t gy, double& tissue) {
      if (mask.empty()) return true;
      tissue = mask.fraction(to_level0(gx, job->ds), to_level0(gy, job->ds), cw0, ch0);
      return o_.use_coords || tissue >= o_.min_tissue;
    };
    if (o_.use_coords) {
      plan.keep.resize(plan.coords.size());
      for (std::size_t k = 0; k < plan.coords.size(); ++k) {
        plan.keep[k] = judge(plan.coords[k].gx, plan.coords[k].gy, plan.coords[k].tissue);
        kept += plan.keep[k];
      }
    } else {
      const std::size_t n = plan.xs.size() * plan.ys.size();
      plan.keep.resize(n);
      if (!mask.empty()) plan.tissue.resize(n);
      for (std::size_t r = 0; r < plan.ys.size(); ++r)
        for (std::size_t c = 0; c < plan.xs.size(); ++c) {
          double t = -1;
          const std::size_t k = r * plan.xs.size() + c;
          plan.keep[k] = judge(plan.xs[c], plan.ys[r], t);
          if (!mask.empty()) plan.tissue[k] = t;
          kept += plan.keep[k];
        }
    }
    rep.rejected = (o_.use_coords ? plan.coords.size() : plan.keep.size()) - kept;
    if (!o_.overlay.empty()) {
      if (auto e = draw_overlay(thumb, plan, *job, w0, h0)) {
        set_output_error(*e);
        return false;
      }
    }
    if (o_.shard_size == 0) {
      job->out_subdir = o_.out_dir + "/" + job->stem;
      if (!used_stems_.insert(job->stem).second) {
        rep.error = "another input has the same name stem '" + job->stem + "' (its chips would collide)";
        return false;
      }
      std::error_code ec;
      fs::create_directories(job->out_subdir, ec);
      if (ec) {
        set_output_error(PathError{job->out_subdir, ec.value(), "mkdir"});
        return false;
      }
    }
    // Decoded-tile cache per thread: one block plus a tile of margin on each side.
    const double bw =
        double(std::min(plan.cols_per, std::max<std::size_t>(1, plan.xs.size())) * stride_.w + o_.size.w) *
        job->f;
    const double bh = double(plan.rows_per * stride_.h + o_.size.h) * job->f;
    const double cache_w = lv.tile_width >= lv.width ? double(lv.width) : bw + 2.0 * double(lv.tile_width);
    const double cache_h = bh + 2.0 * double(std::max<int64_t>(lv.tile_height, 1));
    job->cache_bytes = std::size_t(cache_w * cache_h * 3) + (std::size_t{8} << 20);
    if (progress_) progress_->total += kept;
    current_ = std::move(job);
    plan_ = std::move(plan);
    return true;
  }

  std::optional<PathError> draw_overlay(const cv::Mat& thumb, const BlockPlan& plan, const ImageJob& job,
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
    const std::string path = overlay_path(o_.overlay, job.stem, inputs_.size() > 1);
    if (!cv::imencode(".png", img, png)) return PathError{path, EIO, "encode"};
    if (auto e =
            write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size())))
      return PathError{path, e->err, "write"};
    return std::nullopt;
  }

  // Serial stage: the next block with at least one kept chip, across images.
  Block* next_block() {
    while (!stop_) {
      if (!current_ || current_->failed || plan_.next >= plan_.blocks()) {
        current_.reset();
        if (next_input_ >= inputs_.size()) return nullptr;
        const std::size_t i = next_input_++;
        if (!start_image(i) && progress_) ++progress_->images_done;
        continue;
      }
      auto b = std::make_unique<Block>();
      b->job = current_;
      const std::size_t bi = plan_.next++;
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
      if (plan_.next >= plan_.blocks() && progress_) ++progress_->images_done;
      if (!b->chips.empty()) return b.release();
    }
    return nullptr;
  }

  // Parallel stage: read, encode and (for files) write every chip of the block.
  void process(Block& b, Local& L) {
    ImageJob& job = *b.job;
    if (job.failed || stop_) return;
    if (L.job_id != job.id) {
      L.reader = job.src->reader(job.cache_bytes);
      L.job_id = job.id;
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
      out.name = shards ? fmt::format("{}_{}_{}.{}", job.member_stem, out.x, out.y, ext)
                        : fmt::format("{}_{}.{}", out.x, out.y, ext);
      if (o_.resume && !shards && verify_existing(job.out_subdir + "/" + out.name, job.cw, job.ch, out)) {
        b.outs.push_back(std::move(out));
        continue;
      }
      if (auto e = read_chip(*L.reader, job, o_, t.gx, t.gy, L.chip, L.big, L.tmp)) {
        job.fail(*e);
        break;
      }
      if (!encode_chip(L.chip, o_.format, o_.quality, L.enc)) {
        job.fail(fmt::format("cannot encode chip {} as {}", out.name, ext));
        break;
      }
      out.size = L.enc.size();
      append_hash_hex(out.hash, std::string_view(reinterpret_cast<const char*>(L.enc.data()), L.enc.size()),
                      HashAlgo::xxh3_128);
      if (shards) {
        out.data = L.enc;
      } else {
        struct stat st {};
        if (auto e = write_file_atomically(job.out_subdir, out.name, L.enc, &st)) {
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
                             o_.shard_size > 0 ? c.name : b.job->stem + "/" + c.name);
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
  Size2 stride_;
  ChipResult res_;
  Manifest manifest_;
  std::vector<int> cols_;
  int shard_col_ = -1;
  TarShardWriter shards_;
  cv::Mat user_mask_;
  std::set<std::string> used_stems_;
  std::shared_ptr<ImageJob> current_;
  BlockPlan plan_;
  std::size_t next_input_ = 0;
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

std::vector<std::string> expand_inputs(const std::vector<std::string>& args, std::vector<PathError>& errors) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    const auto st = fs::status(a, ec);
    if (ec || !fs::exists(st)) {
      errors.push_back({a, ec ? ec.value() : ENOENT, "stat"});
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(a, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && is_image_name(it->path())) found.push_back(it->path().string());
      if (ec) errors.push_back({a, ec.value(), "readdir"});
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
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

ChipResult run_chips(const std::vector<std::string>& inputs, const ChipOptions& opts,
                     ChipProgress* progress) {
  Chipper c(inputs, opts, progress);
  return c.run();
}

}  // namespace dskit::image
