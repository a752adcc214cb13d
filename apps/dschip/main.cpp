// dschip: chip gigapixel images into training tiles with bounded memory, skipping background.
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "cli/common_flags.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "dskit/image/chip.h"
#include "dskit/image/cohort.h"
#include "mpi/comm_mpi.h"

namespace {

using namespace dskit;
using namespace dskit::image;

struct DschipOptions {
  std::vector<std::string> inputs;
  std::string out, size = "224", stride, edge = "drop", pad_color = "255,255,255", roi, coords;
  int level = -1;
  double mpp = 0, source_mpp = 0;
  bool allow_upscale = false;
  uint64_t max_pixels = kDefaultMaxPixels;
  std::string format = "jpg", reader = "auto", mask_method = "otsu-saturation";
  int quality = -1, mask_threshold = -1;
  std::size_t shard_size = 0;
  bool resume = false, no_mask = false, json = false, stats = false, jpeg_copy = false;
  double min_tissue = 0.5;
  std::string mask, overlay, label, label_map, manifest;
  unsigned threads = 0;
};

std::string to_chip_options(const DschipOptions& d, ChipOptions& o) {
  if (auto e = parse_size2(d.size, o.size)) return "--size: " + *e;
  if (!d.stride.empty())
    if (auto e = parse_size2(d.stride, o.stride)) return "--stride: " + *e;
  const auto edge = parse_edge_mode(d.edge);
  if (!edge) return "--edge: use drop, pad or shift";
  o.edge = *edge;
  {
    int r = 0, g = 0, b = 0;
    char tail = 0;
    if (std::sscanf(d.pad_color.c_str(), "%d,%d,%d%c", &r, &g, &b, &tail) != 3 || r < 0 || r > 255 || g < 0 ||
        g > 255 || b < 0 || b > 255)
      return "--pad-color: use R,G,B with values 0-255";
    o.pad_bgr = {static_cast<unsigned char>(b), static_cast<unsigned char>(g), static_cast<unsigned char>(r)};
  }
  if (!d.roi.empty())
    if (auto e = parse_rect(d.roi, o.roi)) return "--roi: " + *e;
  if (!d.coords.empty()) {
    std::ifstream in(d.coords);
    if (!in) return d.coords + ": cannot read the coordinates file";
    std::stringstream ss;
    ss << in.rdbuf();
    if (auto e = parse_coords(ss.str(), o.coords)) return d.coords + ": " + *e;
    o.use_coords = true;
  }
  if (d.level >= 0 && d.mpp > 0) return "--level and --mpp cannot be combined";
  if (d.mpp < 0) return "--mpp must be positive";
  if (d.source_mpp < 0) return "--source-mpp must be positive";
  if (d.max_pixels == 0) return "--max-pixels must be positive";
  o.level = d.level;
  o.mpp = d.mpp;
  o.source_mpp = d.source_mpp;
  o.allow_upscale = d.allow_upscale;
  o.max_pixels = d.max_pixels;
  const auto fmt_ = parse_chip_format(d.format);
  if (!fmt_) return "--format: use jpg, png, webp or tiff";
  o.format = *fmt_;
  if (d.quality != -1 && (d.quality < 1 || d.quality > 100)) return "--quality: use 1 to 100";
  o.quality = d.quality;
  o.out_dir = d.out;
  o.shard_size = d.shard_size;
  o.resume = d.resume;
  o.jpeg_copy = d.jpeg_copy;
  const auto rk = parse_reader_kind(d.reader);
  if (!rk) return "--reader: use auto, tiff, openslide or opencv";
  o.reader = *rk;
  const auto mm = parse_mask_method(d.mask_method);
  if (!mm) return "--mask-method: use otsu-saturation, saturation or luminance";
  o.mask.method = *mm;
  if (d.mask_threshold < -1 || d.mask_threshold > 255) return "--mask-threshold: use 0 to 255";
  o.mask.threshold = d.mask_threshold;
  if (d.min_tissue < 0 || d.min_tissue > 1) return "--min-tissue: use a fraction from 0 to 1";
  o.min_tissue = d.min_tissue;
  o.use_mask = !d.no_mask;
  if (d.no_mask && !d.mask.empty()) return "--no-mask and --mask cannot be combined";
  o.mask_file = d.mask;
  o.overlay = d.overlay;
  o.label = d.label;
  if (!d.label_map.empty()) {
    std::ifstream in(d.label_map);
    if (!in) return d.label_map + ": cannot read the label map";
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const auto comma = line.rfind(',');
      if (comma == std::string::npos || comma == 0)
        return fmt::format("{}:{}: expected IMAGE,LABEL", d.label_map, n);
      o.label_map[std::filesystem::path(line.substr(0, comma)).stem().string()] = line.substr(comma + 1);
    }
  }
  o.manifest = d.manifest;
  o.threads = d.threads > 0 ? d.threads : std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
  return {};
}

// Blocks SIGINT and SIGTERM in this thread and the threads started afterwards (construct it before any) and
// turns them into a flag the chipper polls: an interrupted run stops starting chips, completes its last
// shard and writes the manifest of what it made.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      const timespec tick{0, 50000000};
      while (!done_.load()) {
        const int s = sigtimedwait(&set_, nullptr, &tick);
        if (s > 0) {
          signal_.store(s);
          raised_.store(true);
        }
      }
    });
  }
  ~StopSignals() {
    done_.store(true);
    thread_.join();
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  const std::atomic<bool>* flag() const { return &raised_; }
  int exit_code() const { return 128 + signal_.load(); }

 private:
  sigset_t set_{};
  std::atomic<bool> raised_{false}, done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

std::string eta_text(double s) {
  if (s < 0 || s > 1e7) return "--";
  const auto t = static_cast<long>(s);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

std::string json_record(const ImageReport& r, bool jpeg_copy) {
  std::string s;
  JsonWriter w(s);
  w.object().field("image", r.path).field("status", r.error.empty() ? "ok" : "failed");
  if (r.rank >= 0) w.field("rank", r.rank).field("pieces", r.pieces);
  if (!r.error.empty()) w.field("error", r.error);
  w.field("level", r.level).key("downsample").general(r.downsample, 6).field("chips", r.chips);
  w.field("resumed", r.resumed).field("rejected", r.rejected).field("tiles_decoded", r.tiles_decoded);
  w.field("bytes", r.bytes);
  if (jpeg_copy) w.field("copied", r.copied).field("copy_fallback", r.copy_fallback);
  w.end_object();
  return s + "\n";
}

}  // namespace

// The inputs as rank 0 expanded them (and whether it could), sent to every rank so that all chip the same
// list.
int share_inputs(Comm& comm, int rc, std::vector<std::string>& inputs) {
  WireWriter w;
  w.u64(static_cast<uint64_t>(rc));
  w.u64(inputs.size());
  for (const auto& i : inputs) w.str(i);
  const std::string msg = comm.broadcast(std::move(w.bytes()));
  WireReader rd(msg);
  rc = static_cast<int>(rd.u64());
  std::vector<std::string> got(rd.u64());
  for (auto& i : got) i = rd.str();
  inputs = std::move(got);
  return rd.failed() ? app::kExitUsage : rc;
}

static int run(int argc, char** argv) {
  app::init_process();
  // Before MPI starts its threads, so that they too leave SIGINT and SIGTERM to the flag.
  StopSignals stop;
  std::string mpi_error;
  const auto comm = mpi::join(argc, argv, mpi_error);
  if (!comm) {
    app::print_error("dschip", mpi_error);
    return app::kExitUsage;
  }
  const bool root = comm->is_root(), cohort = comm->size() > 1;
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  cv::setNumThreads(1);  // the chip workers are the parallelism; OpenCV's own pool would oversubscribe
  DschipOptions d;
  CLI::App cli{"dschip: chip gigapixel images into training tiles with bounded memory, skipping background",
               "dschip"};
  cli.add_option("inputs", d.inputs, "Images, directories of images, or dskit manifests listing images")
      ->required();
  cli.add_option("-o,--output", d.out, "Output directory (created if needed)")->required();
  cli.add_option("-s,--size", d.size, "Chip size: N or WxH, in output pixels (default 224)");
  cli.add_option("--stride", d.stride, "Step between chips: N or WxH (default: the size; smaller overlaps)");
  cli.add_option("--level", d.level, "Chip at this pyramid level (0: full resolution)");
  cli.add_option("--mpp", d.mpp, "Chip at this many microns per pixel (best level, then resized)");
  cli.add_option("--source-mpp", d.source_mpp,
                 "Microns per level-0 pixel of the inputs, when the files do not say (or say 72/96 dpi)");
  cli.add_flag("--allow-upscale", d.allow_upscale, "Let --mpp ask for finer pixels than the image has");
  cli.add_option("--max-pixels", d.max_pixels,
                 "Decoding budget: most pixels decoded at once per image (default 268435456, 2^28)");
  cli.add_option("--edge", d.edge, "Partial chips at the right and bottom: drop (default), pad or shift");
  cli.add_option("--pad-color", d.pad_color, "Colour of --edge pad as R,G,B (default 255,255,255)");
  cli.add_option("--roi", d.roi, "Only chip inside x,y,w,h (level-0 pixels)");
  cli.add_option("--coords", d.coords, "Chip exactly at the level-0 corners listed in FILE (x y per line)");
  cli.add_option("-f,--format", d.format, "Chip format: jpg (default), png, webp or tiff");
  cli.add_option("-q,--quality", d.quality, "JPEG/WebP quality 1-100 (default 90)");
  cli.add_option("--shard-size", d.shard_size, "Write tar shards of N chips (WebDataset) instead of files");
  cli.add_flag("--jpeg-copy", d.jpeg_copy,
               "Cut JPEG chips from JPEG-tiled sources without re-encoding, where the grid allows");
  cli.add_flag("--resume", d.resume, "Skip chips already present that decode to the chip size");
  cli.add_option("--reader", d.reader, "Force the reader: auto (default), tiff, openslide or opencv");
  cli.add_flag("--no-mask", d.no_mask, "Keep every chip (no tissue mask)");
  cli.add_option("--mask-method", d.mask_method,
                 "Tissue mask: otsu-saturation (default), saturation or luminance");
  cli.add_option("--mask-threshold", d.mask_threshold,
                 "Fixed threshold 0-255 for saturation (default 20) or luminance (default 220)");
  cli.add_option("--min-tissue", d.min_tissue, "Keep chips with at least this tissue fraction (default 0.5)");
  cli.add_option("--mask", d.mask, "Use this mask image (non-zero: tissue), stretched over the image");
  cli.add_option("--overlay", d.overlay, "Write the thumbnail with kept chips outlined to this PNG");
  cli.add_option("--label", d.label, "Label column value for every chip in the manifest");
  cli.add_option("--label-map", d.label_map, "CSV of IMAGE,LABEL lines: each image's chips get its label");
  cli.add_option("--manifest", d.manifest, "Chip manifest path (default OUT/chips.tsv)");
  app::add_threads_flag(&cli, d.threads, "the number of cores");
  cli.add_flag("--json", d.json, "One JSON record per image on stdout");
  cli.add_flag("--stats", d.stats, "Print time, chips/s, tiles decoded and peak RSS to stderr");
  cli.set_version_flag("--version", "dschip 0.1.0");
  app::tidy_help(cli);
  // Every rank parses the same arguments; rank 0 alone speaks.
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return root ? cli.exit(e) : 0;
    return root ? app::usage_error("dschip", cli, e) : app::kExitUsage;
  }
  ChipOptions o;
  if (auto err = to_chip_options(d, o); !err.empty()) {
    return root ? app::usage_error("dschip", err) : app::kExitUsage;
  }
  std::vector<PathError> missing, below;
  std::vector<std::string> inputs;
  int setup_rc = app::kExitOk;
  if (root) {
    inputs = expand_inputs(d.inputs, missing, below);
    for (const auto& e : missing) app::print_error("dschip", app::describe_input(e));
    // A directory or entry below an argument that cannot be read fails alone; the rest is chipped.
    for (const auto& e : below) app::print_error("dschip", describe(e));
    std::error_code ec;
    if (!missing.empty()) {
      setup_rc = app::kExitUsage;
    } else if (inputs.empty()) {
      app::print_error("dschip", "no images found in the inputs");
      setup_rc = app::kExitUsage;
    } else if (std::filesystem::create_directories(d.out, ec); ec) {
      app::print_error("dschip", fmt::format("{}: {}", d.out, ec.message()));
      setup_rc = app::kExitOutput;
    }
  }
  if (cohort) setup_rc = share_inputs(*comm, setup_rc, inputs);
  if (setup_rc != app::kExitOk) return setup_rc;

  o.stop = stop.flag();
  ChipProgress progress;
  const auto t0 = std::chrono::steady_clock::now();
  ChipResult r;
  if (cohort) {
    std::optional<app::ProgressLine> line;
    if (root)
      line.emplace([&](double s) {
        const double done = static_cast<double>(progress.done.load());
        return fmt::format("dschip: {} ranks, {}/{} images, {} chips, {:.0f} chips/s", comm->size(),
                           progress.images_done.load(), inputs.size(), progress.done.load(),
                           s > 0 ? done / s : 0);
      });
    try {
      r = run_cohort(inputs, o, *comm, &progress);
    } catch (const std::exception& e) {  // the other ranks may be waiting for this one: end them all
      app::print_error("dschip", fmt::format("rank {}: {}", comm->rank(), e.what()));
      comm->abort(app::kExitUsage);
      throw;
    }
    if (!root) {  // rank 0 reports for every rank
      if (r.output_error || r.manifest_error) return app::kExitOutput;
      return r.interrupted ? stop.exit_code() : app::kExitOk;
    }
  } else {
    app::ProgressLine line([&](double s) {
      const double done = static_cast<double>(progress.done.load());
      const double total = static_cast<double>(progress.total.load());
      const double rate = s > 0 ? done / s : 0;
      return fmt::format("dschip: image {}/{}, {}/{} chips, {:.0f} chips/s, ETA {}",
                         std::min<uint64_t>(progress.images_done.load() + 1, inputs.size()), inputs.size(),
                         progress.done.load(), progress.total.load(), rate,
                         rate > 0 && progress.images_done.load() + 1 >= inputs.size()
                             ? eta_text((total - done) / rate)
                             : std::string("--"));
    });
    r = run_chips(inputs, o, &progress);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::size_t failed = below.size();
  std::string out;
  if (d.json)
    for (const auto& e : below) {
      ImageReport rep;
      rep.path = e.path;
      rep.error = describe(e);
      out += json_record(rep, o.jpeg_copy);
    }
  for (const auto& img : r.images) {
    if (!img.error.empty()) {
      ++failed;
      app::print_error("dschip", (img.rank > 0 ? fmt::format("rank {}: ", img.rank) : std::string()) +
                                     img.path + ": " + img.error);
    } else if (!img.copy_fallback.empty()) {
      app::print_error(
          "dschip", fmt::format("{}: --jpeg-copy: {} of {} chips decoded and encoded instead ({})", img.path,
                                img.chips - img.copied, img.chips, img.copy_fallback));
    }
    if (d.json) out += json_record(img, o.jpeg_copy);
  }
  if (!d.json)
    out = fmt::format("{} chips from {} image{} ({} failed), {} bytes{}\n", r.chips, inputs.size(),
                      inputs.size() == 1 ? "" : "s", failed, r.bytes,
                      o.shard_size > 0 ? fmt::format(", {} shards", r.shards) : std::string());
  const int out_rc = app::write_report("dschip", "-", out);  // prints a failure naming the output
  if (d.stats) {
    uint64_t tiles = 0;
    for (const auto& img : r.images) tiles += img.tiles_decoded;
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    app::print_error("dschip",
                     fmt::format("{:.3f} s, {} chips, {:.0f} chips/s, {} tiles decoded, peak RSS {} MB, "
                                 "{} threads",
                                 secs, r.chips, secs > 0 ? double(r.chips) / secs : 0, tiles,
                                 ru.ru_maxrss / 1024, o.threads));
  }
  if (r.output_error) {
    app::print_error("dschip", describe(*r.output_error));
    return app::kExitOutput;
  }
  if (r.manifest_error) {
    app::print_error("dschip", *r.manifest_error);
    return app::kExitOutput;
  }
  if (out_rc != app::kExitOk) return out_rc;
  if (r.interrupted) {
    app::print_error("dschip", fmt::format("interrupted; the {} chips made are listed in {}", r.chips,
                                           o.manifest.empty() ? d.out + "/chips.tsv" : o.manifest));
    return stop.exit_code();
  }
  return failed > 0 ? app::kExitPartial : app::kExitOk;
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dschip", argc, argv, run);
}
