// dspack: pack a dataset of small files into WebDataset tar shards with their indexes (index.tsv, wids'
// shardindex.json, DALI .idx), and verify, list or unpack such a pack.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/common_flags.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "dskit/base/units.h"
#include "dskit/manifest/manifest.h"
#include "dskit/pack/pack.h"
#include "mpi/comm_mpi.h"

namespace {

using namespace dskit;
constexpr std::string_view kTool = "dspack";

struct Flags {
  std::string src, out, dest, shard_size = "256M", labels = "folder", format = "wds", by;
  uint64_t samples_per_shard = 0, seed = 0;
  int64_t mtime = 0;
  unsigned threads = 0;
  std::string listing;  // ls -o
  bool no_label = false, json = false, nul = false, all = false;
};

// Under mpirun or srun every rank runs the build (its share of the shards) and rank 0 alone prints.
int do_build(const Flags& f, const CLI::App& build, Comm& comm) {
  const bool quiet = !comm.is_root();
  auto usage = [&](const std::string& msg) {
    return quiet ? app::kExitUsage : app::usage_error(kTool, "build", msg);
  };
  pack::BuildOptions o;
  o.src = f.src;
  o.out_dir = f.out;
  if (auto e = parse_bytes(f.shard_size, o.shard_size)) return usage("--shard-size: " + *e);
  if (o.shard_size == 0) return usage("--shard-size must be positive");
  const auto spec = parse_label_spec(f.labels);
  if (!spec) return usage("--labels: use folder, depth:N, regex:RE, csv:FILE or none");
  o.labels = *spec;
  o.cls = !f.no_label;
  o.samples_per_shard = f.samples_per_shard;
  if (build.count("--seed")) o.seed = f.seed;
  if (build.count("--mtime")) o.mtime = f.mtime;
  o.threads = f.threads;
  o.comm = &comm;
  if (f.format != "wds" && f.format != "mds") return usage("--format: use wds or mds");
  o.mds = f.format == "mds";
  o.by = f.by;
  if (build.count("--by") && f.by.empty()) return usage("--by: give a column name");
  if (!o.by.empty() && o.mds) return usage("--by cannot be combined with --format mds");
  const auto t0 = std::chrono::steady_clock::now();
  const pack::BuildResult r = pack::build(o);
  if (quiet) return r.setup_error.empty() ? app::kExitOk : app::kExitUsage;
  if (!r.setup_error.empty()) {
    app::print_error(kTool, r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& w : r.warnings) app::print_error(kTool, w);
  for (const auto& e : r.errors) app::print_error(kTool, describe(e));
  if (r.output_error) {
    app::print_error(kTool, describe_write_error(*r.output_error));
    return app::kExitOutput;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  app::write_message(fmt::format(
      "dspack: {} samples, {} members, {} bytes in {} shards from {} files, {} skipped, {} errors, "
      "{:.3f} s, {} reads in flight\n",
      r.samples, r.members, r.bytes, r.shards, r.files, r.skipped, r.errors.size(), secs, r.threads));
  return r.errors.empty() ? app::kExitOk : app::kExitPartial;
}

int do_verify(const Flags& f) {
  const pack::VerifyResult r = pack::verify(f.src, f.threads ? f.threads : 4);
  if (!r.setup_error.empty()) {
    app::print_error(kTool, r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& i : r.issues)
    app::print_error(kTool, i.member.empty() ? fmt::format("{}: {}", i.shard, i.what)
                                             : fmt::format("{}: {}: {}", i.shard, i.member, i.what));
  app::write_message(fmt::format("dspack: {} shards, {} members, {} bytes checked, {} problems\n", r.shards,
                                 r.members, r.bytes, r.issues.size()));
  return r.issues.empty() ? app::kExitOk : app::kExitPartial;
}

int do_ls(const Flags& f) {
  std::vector<pack::Sample> samples;
  if (auto e = pack::list(f.src, samples)) {
    app::print_error(kTool, *e);
    return app::kExitUsage;
  }
  std::string out;
  for (const auto& s : samples) {
    if (f.json) {
      JsonWriter j(out);
      j.object().bytes_field("key", s.key).bytes_field("shard", s.shard).bytes_field("label", s.label);
      j.key("members").array();
      for (const auto& m : s.members) j.value(m);
      j.end_array();
      // As bytes_field does for one string: when a member name is not UTF-8 ("members" then holds U+FFFD in
      // place of its bad bytes), "members_b64" gives every member's exact bytes, in the same order.
      if (!std::all_of(s.members.begin(), s.members.end(),
                       [](const std::string& m) { return is_valid_utf8(m); })) {
        j.key("members_b64").array();
        for (const auto& m : s.members) j.string_from([&](std::string& o) { append_base64(o, m); });
        j.end_array();
      }
      j.end_object();
      out += '\n';
    } else if (f.nul) {
      out += s.key;
      out += '\0';
    } else {
      out += escape_field(s.key);
      out += '\t';
      out += escape_field(s.shard);
      out += '\t';
      out += escape_field(s.label);
      for (const auto& m : s.members) {
        out += '\t';
        out += escape_field(m);
      }
      out += '\n';
    }
  }
  return app::write_report(kTool, f.listing.empty() ? "-" : f.listing, out);
}

int do_unpack(const Flags& f) {
  const pack::UnpackResult r = pack::unpack(f.src, f.dest, f.all);
  if (!r.setup_error.empty()) {
    app::print_error(kTool, r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& e : r.errors) app::print_error(kTool, describe(e));
  app::write_message(
      fmt::format("dspack: {} files, {} bytes written, {} errors\n", r.files, r.bytes, r.errors.size()));
  return r.errors.empty() ? app::kExitOk : app::kExitPartial;
}

int run(int argc, char** argv) {
  app::init_process();
  // Under mpirun or srun the ranks share the build; the other subcommands run on rank 0 alone.
  std::string mpi_error;
  const std::unique_ptr<Comm> comm = mpi::join(argc, argv, mpi_error);
  if (!comm) {
    app::print_error(kTool, mpi_error);  // several ranks but no MPI in this build, or MPI_Init failed
    return app::kExitUsage;
  }
  CLI::App cli{"dspack: pack small files into WebDataset tar shards with indexes; verify, list, unpack them"};
  cli.require_subcommand(1);
  Flags f;
  auto* build =
      cli.add_subcommand("build", "Pack SRC (a directory or a dskit manifest) into shards in OUTDIR");
  build->add_option("SRC", f.src, "A directory (labels from paths) or a dskit manifest")->required();
  build->add_option("-o,--output", f.out, "The output directory (created; must be empty)")->required();
  build->add_option("--shard-size", f.shard_size, "Bytes of tar per shard at most (default 256M)");
  build->add_option("--samples-per-shard", f.samples_per_shard, "Samples per shard at most");
  build->add_option("--seed", f.seed, "Shuffle the samples with this seed (dskit's shuffle)");
  build->add_option("--mtime", f.mtime, "Every member's mtime, in seconds since the epoch");
  build->add_option("--labels", f.labels,
                    "How a directory's paths give labels: folder, depth:N, regex:RE, csv:FILE, none");
  build->add_flag("--no-label", f.no_label, "No .cls member");
  build->add_option("--format", f.format,
                    "wds (WebDataset tar shards, the default) or mds (MosaicML Streaming)");
  build->add_option("--by", f.by,
                    "One shard series per value of this manifest column (a split manifest's split): "
                    "train-000000.tar, ...");
  app::add_threads_flag(build, f.threads, "by the storage", "source reads in flight");
  auto* verify = cli.add_subcommand("verify", "Check OUTDIR's shards against its index.tsv");
  verify->add_option("OUTDIR", f.src, "A pack's directory")->required();
  app::add_threads_flag(verify, f.threads, "4", "shards checked at once");
  auto* ls = cli.add_subcommand("ls", "List OUTDIR's samples");
  ls->add_option("OUTDIR", f.src, "A pack's directory")->required();
  ls->add_flag("--json", f.json, "JSON Lines: one object per sample");
  ls->add_flag("-0,--null", f.nul, "Sample keys ended by NUL bytes");
  app::add_output_flag(ls, f.listing, "Write the listing here (atomically) instead of standard output");
  auto* unpack = cli.add_subcommand("unpack", "Write OUTDIR's packed files back beneath DIR");
  unpack->add_option("OUTDIR", f.src, "A pack's directory")->required();
  unpack->add_option("-o,--output", f.dest, "The directory to write into")->required();
  unpack->add_flag("--all", f.all, "Also the .cls members dspack added");
  cli.set_version_flag("--version", "dspack 0.1.0");
  try {
    app::tidy_help(cli);
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return comm->is_root() ? cli.exit(e) : 0;
    return comm->is_root() ? app::usage_error(kTool, cli, e) : app::kExitUsage;
  }
  if (f.json && f.nul) return app::usage_error(kTool, "ls", "--json and -0 cannot be combined");
  if (*build) return do_build(f, *build, *comm);
  // The other subcommands run in one process: under a launcher, rank 0 alone does the work.
  if (!comm->is_root()) return 0;
  if (*verify) return do_verify(f);
  if (*ls) return do_ls(f);
  return do_unpack(f);
}

}  // namespace

int main(int argc, char** argv) {
  return dskit::app::run_tool("dspack", argc, argv, run);
}
