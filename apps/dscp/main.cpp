// dscp: copy or stage a dataset (cp -r semantics), the walk and the copy as one parallel pipeline,
// resumable, optionally from a manifest with its hashes checked while copying.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/common_flags.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/json.h"
#include "dskit/base/output.h"
#include "dskit/base/units.h"
#include "dskit/copy/copy.h"
#include "dskit/manifest/manifest.h"
#include "dskit/order/shard.h"
#include "mpi/comm_mpi.h"

namespace {

using namespace dskit;

constexpr std::string_view kTool = "dscp";

struct DscpOptions {
  std::vector<std::string> paths;
  bool follow = false, hard_links = false, checksum = false, remove_extra = false, dry_run = false;
  bool verbose = false, print0 = false, json = false, fsync = false, stage_once = false, no_owners = false;
  bool read_write = false, no_target_dir = false, xattrs = false;
  unsigned threads = 0;
  std::string manifest, root, write_manifest, chunk_size;
  uint64_t rank = 0, world = 1, seed = 0, epoch = 0;
};

// A path as messages on stderr show it: escaped as a manifest cell (`\\n`, `\\t`, `\\xHH` for bytes that
// are not UTF-8), as the listings on stdout, so that no name can forge a line.
PathError shown(PathError e) {
  e.path = escape_field(e.path);
  return e;
}

// Prints changes (dry run, -v) to stdout and errors to stderr.
class AppSink : public CopySink {
 public:
  AppSink(OutputSink& out, bool list, bool json, char term)
      : out_(out), list_(list), json_(json), term_(term) {}
  void on_error(const PathError& e, bool) override { app::print_error(kTool, app::describe_input(shown(e))); }
  void on_change(ChangeKind k, std::string_view path, char type) override {
    if (k == ChangeKind::skip && !list_) {
      app::print_error(kTool, fmt::format("{}: skipped (special file, type {})", escape_field(path), type));
      return;
    }
    if (!list_ || out_.failed()) return;
    std::string line;
    if (json_) {
      JsonWriter w(line);
      w.object()
          .field("action", change_name(k))
          .field("type", std::string_view(&type, 1))
          .bytes_field("path", path);  // path_b64 too when the name is not UTF-8
      w.end_object();
      line.push_back('\n');
    } else {
      // A text line escapes the path as a manifest cell does (a name cannot forge lines); -0 keeps it raw.
      line.append(change_name(k)).push_back('\t');
      if (term_ == '\n')
        append_escaped(line, path);
      else
        line.append(path);
      line.push_back(term_);
    }
    out_.write(line);
  }

 private:
  OutputSink& out_;
  bool list_, json_;
  char term_;
};

// A rank's counters and exit code as sent to rank 0, and their sum there.
std::string pack(const CopyCounters& c, int rc) {
  WireWriter w;
  for (const auto* v : {&c.files, &c.bytes, &c.dirs, &c.links, &c.unchanged, &c.skipped, &c.removed,
                        &c.errors, &c.output_errors})
    w.u64(v->load());
  w.u64(c.full.load() ? 1 : 0);
  w.i64(rc);
  return std::move(w.bytes());
}

// Adds a rank's packed counters to `c`; returns its exit code (kExitUsage for a message that does not parse).
int add_packed(std::string_view bytes, CopyCounters& c) {
  WireReader r(bytes);
  for (auto* v : {&c.files, &c.bytes, &c.dirs, &c.links, &c.unchanged, &c.skipped, &c.removed, &c.errors,
                  &c.output_errors})
    v->fetch_add(r.u64());
  if (r.u64()) c.full.store(true);
  const auto rc = static_cast<int>(r.i64());
  return r.failed() ? app::kExitUsage : rc;
}

std::string summary_json(const CopyCounters& c, double secs) {
  std::string s;
  JsonWriter w(s);
  const uint64_t bytes = c.bytes.load();
  w.object()
      .field("files", c.files.load())
      .field("bytes", bytes)
      .field("dirs", c.dirs.load())
      .field("links", c.links.load())
      .field("unchanged", c.unchanged.load())
      .field("skipped", c.skipped.load())
      .field("removed", c.removed.load())
      .field("errors", c.errors.load() + c.output_errors.load())
      .key("seconds")
      .fixed(secs, 3)
      .key("bytes_per_s")
      .fixed(secs > 0 ? static_cast<double>(bytes) / secs : 0.0, 0)
      .end_object();
  s.push_back('\n');
  return s;
}

// The files of a manifest (one rank's share with --rank/--world) and its root.
int load_listed(const DscpOptions& o, std::string& root, std::vector<ListedFile>& files, HashAlgo& algo,
                Manifest& m) {
  LoadOptions lo;
  lo.root_override = o.root;
  lo.outside_root_hint = false;  // dscp never copies outside the root
  if (auto err = load_manifest(o.manifest, lo, m)) {
    app::print_error(kTool, describe(*err));
    return app::kExitUsage;
  }
  root = m.root;
  algo = m.hash;
  ShardOptions sh;
  sh.rank = o.rank;
  sh.world = o.world;
  if (auto err = validate(sh)) return app::usage_error(kTool, *err);
  ShuffleOptions so;
  so.mode = o.seed || o.epoch ? ShuffleMode::global : ShuffleMode::none;
  so.seed = o.seed;
  so.epoch = o.epoch;
  if (auto err = validate(so)) return app::usage_error(kTool, *err);
  std::vector<std::size_t> rows;
  if (o.world > 1) {
    for (const auto& e : shard_entries(EpochOrder(m.size(), so), sh))
      if (!e.pad) rows.push_back(static_cast<std::size_t>(e.row));
    m.select_rows(rows);
  }
  files.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i)
    files.push_back({m.path(i), m.file_size(i), std::string(m.hash_hex(i))});
  return app::kExitOk;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

}  // namespace

static int run(int argc, char** argv) {
  app::init_process();
  std::string mpi_error;
  const auto comm = mpi::join(argc, argv, mpi_error);
  if (!comm) {
    app::print_error(kTool, mpi_error);
    return app::kExitUsage;
  }
  const bool root = comm->is_root();
  const bool ranks = comm->size() > 1;
  DscpOptions o;
  CLI::App cli{"dscp: copy or stage a dataset (cp -r semantics), fast, verified and resumable", "dscp"};
  cli.add_option("paths", o.paths, "SRC... DST (with --manifest: DST only)");
  cli.add_flag("-T,--no-target-directory", o.no_target_dir,
               "DST is the copy of SRC even when it exists (the form to rerun and resume)");
  cli.add_flag("-L,--dereference", o.follow, "Copy what symbolic links point to instead of the links");
  cli.add_flag("-H,--hard-links", o.hard_links, "Keep files that are hard links of each other linked");
  cli.add_flag("-c,--checksum", o.checksum,
               "An existing file is up to date only with the same content (XXH3)");
  cli.add_flag("--delete", o.remove_extra, "Remove what DST has and SRC does not (sync)");
  cli.add_flag("-n,--dry-run", o.dry_run, "Change nothing; list what would change on stdout");
  cli.add_flag("-v,--verbose", o.verbose, "List each change on stdout as it is made");
  cli.add_flag("-0,--print0", o.print0, "End listed changes with NUL instead of newline");
  cli.add_flag("--json", o.json, "Changes as JSON Lines; a summary object as the last line");
  cli.add_flag("--fsync", o.fsync, "Sync each file before it is named, and the directories at the end");
  cli.add_flag("--xattrs", o.xattrs, "Copy extended attributes (user.*; as root trusted.*, security.*)");
  cli.add_flag("--no-owners", o.no_owners, "Do not keep owners and groups (kept by default as root)");
  app::add_threads_flag(&cli, o.threads, "by the source's filesystem type", "files in flight");
  cli.add_option("--chunk-size", o.chunk_size, "Copy larger files in chunks (threads, MPI ranks) [64M]");
  cli.add_flag("--read-write", o.read_write, "Copy with read/write only, never copy_file_range");
  cli.add_option("--manifest", o.manifest, "Copy the files this dskit manifest lists, checking their hashes");
  cli.add_option("--root", o.root, "With --manifest: the source root instead of the recorded one");
  cli.add_option("--rank", o.rank, "With --manifest: copy only this rank's share (dsmanifest shard)");
  cli.add_option("--world", o.world, "With --manifest: the number of ranks");
  cli.add_option("--seed", o.seed, "With --rank: the shuffle seed of the shares");
  cli.add_option("--epoch", o.epoch, "With --rank: the epoch of the shares");
  cli.add_option("--write-manifest", o.write_manifest,
                 "Write the manifest of the copy (hashes computed while copying)");
  cli.add_flag(
      "--stage-once", o.stage_once,
      "One process of many copies into DST, the others wait (a lock and a completion marker in DST)");
  cli.set_version_flag("--version", "dscp 0.1.0");
  try {
    app::tidy_help(cli);
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return root ? cli.exit(e) : 0;
    return root ? app::usage_error(kTool, cli, e) : app::kExitUsage;
  }
  // Under MPI the ranks share one copy: --rank/--world name one process's share of a run without MPI, and
  // --stage-once's lock would leave ranks of a node waiting on a rank that waits for them in a collective.
  if (ranks && (o.stage_once || o.world != 1 || o.rank != 0)) {
    if (root)
      app::usage_error(
          kTool, o.stage_once ? "--stage-once is for processes started on their own; under MPI the "
                                "ranks already share one copy (DSKIT_MPI=0 runs each on its own)"
                              : "--rank and --world are one process's share of a run without MPI; "
                                "under MPI the ranks share the manifest (DSKIT_MPI=0 runs each on its own)");
    return app::kExitUsage;
  }
  const bool listed = !o.manifest.empty();
  if (listed && o.paths.size() != 1) return app::usage_error(kTool, "--manifest takes one operand, DST");
  if (!listed && o.paths.size() < 2) return app::usage_error(kTool, "missing operand: dscp SRC... DST");
  if (!listed && (!o.root.empty() || o.world != 1 || o.rank != 0))
    return app::usage_error(kTool, "--root, --rank and --world need --manifest");
  if (listed && o.remove_extra)
    return app::usage_error(kTool,
                            "--delete needs a source tree: a manifest lists a selection, not all of DST");
  if (!o.write_manifest.empty() && !listed)
    return app::usage_error(kTool, "--write-manifest needs --manifest");
  if (o.rank >= o.world) return app::usage_error(kTool, "--rank must be below --world");
  uint64_t chunk = uint64_t{64} << 20;
  if (!o.chunk_size.empty()) {
    if (auto err = parse_bytes(o.chunk_size, chunk)) return app::usage_error(kTool, "--chunk-size: " + *err);
    if (chunk == 0) return app::usage_error(kTool, "--chunk-size must be above 0");
  }

  CopyOptions co;
  co.threads = o.threads;
  co.follow = o.follow;
  co.hard_links = o.hard_links;
  co.owners = !o.no_owners;
  co.fsync = o.fsync;
  co.checksum = o.checksum;
  co.remove_extra = o.remove_extra;
  co.xattrs = o.xattrs;
  co.dry_run = o.dry_run;
  co.copy_file_range = !o.read_write;
  co.chunk_bytes = chunk;
  co.rank = static_cast<unsigned>(comm->rank());
  co.world = static_cast<unsigned>(comm->size());

  const std::string dst = o.paths.back();
  std::vector<CopyRoot> roots;
  std::vector<ListedFile> files;
  std::string src_root;
  HashAlgo algo = HashAlgo::none;
  Manifest m;
  if (listed) {
    if (int rc = load_listed(o, src_root, files, algo, m)) return rc;
    if (!o.write_manifest.empty() && algo == HashAlgo::none) algo = HashAlgo::xxh3_128;
  } else if ((o.stage_once || o.no_target_dir) && o.paths.size() == 2) {
    roots.push_back({o.paths[0], dst});  // DST is the copy of SRC whether or not it exists yet
    if (auto err = check_roots(roots)) return root ? app::usage_error(kTool, *err) : app::kExitUsage;
  } else if (o.no_target_dir) {
    return app::usage_error(kTool, "-T takes one SRC and DST");
  } else {
    std::vector<std::string> srcs(o.paths.begin(), o.paths.end() - 1);
    // Every rank plans from the same view: rank 0's, before any rank creates DST.
    std::optional<std::string> err;
    if (root) err = plan_roots(srcs, dst, o.follow, roots);
    if (ranks) {
      WireWriter w;
      w.u64(err ? 1 : 0);
      for (const auto& r : roots) {
        w.str(r.src);
        w.str(r.dst);
        w.u64(r.named ? 1 : 0);
      }
      const std::string plan = comm->broadcast(std::move(w.bytes()));
      WireReader r(plan);
      if (r.u64()) err = "";
      roots.clear();
      while (!r.done() && !r.failed()) {
        CopyRoot cr;
        cr.src = std::string(r.str());
        cr.dst = std::string(r.str());
        cr.named = r.u64() != 0;
        roots.push_back(std::move(cr));
      }
    }
    if (err) return root ? app::usage_error(kTool, *err) : app::kExitUsage;
  }

  StageLock stage;
  std::string signature;
  if (o.stage_once && !o.dry_run) {
    signature = "dscp stage-once\n";
    if (listed)
      signature +=
          "manifest " + o.manifest + " rank " + std::to_string(o.rank) + "/" + std::to_string(o.world) + "\n";
    for (const auto& r : roots) signature += r.src + "\n";
    if (auto err = stage.acquire(dst)) {
      app::print_error(kTool, describe(shown(*err)));
      return app::kExitOutput;
    }
    if (stage.done(signature)) {
      if (o.json) {
        CopyCounters none;
        OutputSink out(STDOUT_FILENO);
        out.write(summary_json(none, 0));
      }
      return app::kExitOk;
    }
  }

  OutputSink out(STDOUT_FILENO);
  AppSink sink(out, o.dry_run || o.verbose, o.json, o.print0 ? '\0' : '\n');
  CopyCounters c;
  std::vector<CopiedFile> copied;
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::optional<app::ProgressLine> line;
    if (root)
      line.emplace([&](double s) {
        const double b = static_cast<double>(c.bytes.load());
        return fmt::format("dscp: {} files, {}, {}/s, {} errors", c.files.load(), human_bytes(b),
                           human_bytes(s > 0 ? b / s : 0), c.errors.load() + c.output_errors.load());
      });
    if (listed)
      copy_listed(src_root, dst, files, algo, co, sink, c, copied, comm.get());
    else
      copy_roots(roots, co, sink, c, comm.get());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  int rc = app::kExitOk;
  if (c.full.load() || c.output_errors.load() > 0) {
    if (c.full.load())
      app::print_error(kTool,
                       fmt::format("{}: the destination is full or read-only; stopped", escape_field(dst)));
    rc = app::kExitOutput;
  } else if (c.errors.load() > 0) {
    rc = app::kExitPartial;
  }
  if (listed && !o.write_manifest.empty() && !o.dry_run) {
    // The copy's manifest: the rows copied (by every rank, gathered to rank 0), rooted at DST, with the
    // hashes computed while copying. A row not copied (empty hash) was reported as an error.
    WireWriter mine;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (copied[i].hash.empty()) continue;
      mine.str(files[i].rel);
      mine.u64(copied[i].size);
      mine.i64(copied[i].mtime_ns);
      mine.u64(copied[i].ino);
      mine.str(copied[i].hash);
    }
    const auto parts = comm->gather(mine.bytes());
    if (root) {
      Manifest w = make_manifest(std::string(), algo, false);
      char* abs = ::realpath(dst.c_str(), nullptr);
      w.root = abs ? abs : dst;
      std::free(abs);
      for (const auto& part : parts)
        for (WireReader r(part); !r.done() && !r.failed();) {
          const std::size_t row = w.add_row();
          w.set_cell_raw(row, static_cast<std::size_t>(w.path_col()), r.str());
          w.set_cell_uint(row, static_cast<std::size_t>(w.size_col()), r.u64());
          w.set_cell_int(row, static_cast<std::size_t>(w.mtime_col()), r.i64());
          w.set_cell_uint(row, static_cast<std::size_t>(w.ino_col()), r.u64());
          w.set_cell(row, static_cast<std::size_t>(w.hash_col()), r.str());
        }
      w.sort_by_path();
      if (int wrc = app::output_result(kTool, write_manifest(w, o.write_manifest))) rc = wrc;
    }
  }
  if (rc == app::kExitOk && o.stage_once && !o.dry_run)
    if (auto err = stage.mark_done(signature)) {
      app::print_error(kTool, describe(shown(*err)));
      rc = app::kExitOutput;
    }
  if (ranks) {
    // Rank 0 sums every rank's counters, names the ranks that failed and exits with the worst code.
    const auto all = comm->gather(pack(c, rc));
    if (!root) return rc;
    CopyCounters sum;
    int worst = app::kExitOk;
    for (std::size_t r = 0; r < all.size(); ++r) {
      const int rrc = add_packed(all[r], sum);
      if (rrc != app::kExitOk)
        app::print_error(kTool, fmt::format("rank {} of {}: failed (exit {})", r, all.size(), rrc));
      worst = std::max(worst, rrc);
    }
    rc = worst;
    if (o.json) out.write(summary_json(sum, secs));
  } else if (o.json) {
    out.write(summary_json(c, secs));
  }
  if (out.failed() && out.error() != EPIPE && rc == app::kExitOk) {
    app::print_error(kTool, fmt::format("cannot write output: {}", std::strerror(out.error())));
    rc = app::kExitOutput;
  }
  return rc;
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dscp", argc, argv, run);
}
