// dsls: list a tree in parallel, like `find PATH -mindepth 1`, but fast on network storage.
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "cli/common_flags.h"
#include "cli/filter_flags.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "dskit/base/fileio.h"
#include "dskit/base/fstype.h"
#include "dskit/walk/listing.h"

namespace {

using namespace dskit;

struct DslsOptions {
  std::vector<std::string> paths;
  std::vector<std::string> types;
  app::FilterFlags filter;  // --name, --exclude, --regex, --no-hidden, -d, -x, -L
  int min_depth = 1;
  std::vector<std::string> sizes;
  std::string newer, older;
  bool long_format = false, print0 = false, json = false, sort = false, stats = false;
  bool summary_on = false;
  int summary = 1;
  unsigned threads = 0;
  bool cached_attrs = false;
  std::string output;  // -o: the listing to this file (atomic for a regular file, in place for a FIFO/device)
};

// Turns the parsed flags into the library's options; returns an error message for a bad value.
std::string to_list_options(const DslsOptions& o, ListOptions& lo) {
  for (const auto& t : o.types) {
    for (char c : t) {
      if (c == ',') continue;
      FileType ft;
      switch (c) {
        case 'f':
          ft = FileType::file;
          break;
        case 'd':
          ft = FileType::dir;
          break;
        case 'l':
          ft = FileType::symlink;
          break;
        case 'b':
          ft = FileType::block;
          break;
        case 'c':
          ft = FileType::chr;
          break;
        case 'p':
          ft = FileType::fifo;
          break;
        case 's':
          ft = FileType::socket;
          break;
        default:
          return fmt::format("invalid type '{}': use f, d, l, b, c, p or s", t);
      }
      lo.filter.types.push_back(ft);
    }
  }
  lo.filter.min_depth = o.min_depth;
  lo.filter.names = o.filter.names;
  lo.filter.excludes = o.filter.excludes;
  lo.filter.no_hidden = o.filter.no_hidden;
  if (!o.filter.regex.empty())
    if (auto err = Regex::compile(o.filter.regex, lo.filter.regex)) return *err;
  for (const auto& s : o.sizes) {
    SizeFilter f;
    if (auto err = parse_size_filter(s, f)) return *err;
    lo.filter.sizes.push_back(f);
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t t = 0;
  if (!o.newer.empty()) {
    if (auto err = parse_time_spec(o.newer, now, t)) return *err;
    lo.filter.newer_ns = t;
  }
  if (!o.older.empty()) {
    if (auto err = parse_time_spec(o.older, now, t)) return *err;
    lo.filter.older_ns = t;
  }
  if (o.summary < 1) return "--summary-depth takes a depth of 1 or more";
  if (o.json && o.long_format) return "--json and --long cannot be combined";
  lo.walk.max_depth = o.filter.max_depth;
  lo.walk.threads = o.threads;
  lo.walk.follow = o.filter.follow;
  lo.walk.one_file_system = o.filter.one_fs;
  lo.walk.cached_attrs = o.cached_attrs;
  lo.format = o.json ? ListFormat::json : o.long_format ? ListFormat::long_format : ListFormat::paths;
  lo.terminator = o.print0 ? '\0' : '\n';
  lo.sort = o.sort;
  lo.summary_depth = o.summary_on ? o.summary : 0;
  return {};
}

std::string human_rate(double per_s) {
  if (per_s >= 1e6) return fmt::format("{:.2f}M", per_s / 1e6);
  if (per_s >= 1e3) return fmt::format("{:.1f}k", per_s / 1e3);
  return fmt::format("{:.0f}", per_s);
}

}  // namespace

static int run(int argc, char** argv) {
  app::init_process();
  DslsOptions o;
  CLI::App cli{"dsls: list a dataset tree in parallel (like `find PATH -mindepth 1`)", "dsls"};
  cli.add_option("paths", o.paths, "Directories to list (default: .)");
  cli.add_option("-t,--type", o.types, "Only entries of this type: f, d, l, b, c, p, s (repeatable)")
      ->allow_extra_args(false);
  app::add_filter_flags(&cli, o.filter, "the PATHs'");
  cli.add_option("--min-depth", o.min_depth, "Print only entries at least N levels down (default 1)");
  cli.add_option("-S,--size", o.sizes, "Only regular files of this size: +N (at least), -N (at most), N")
      ->allow_extra_args(false);
  cli.add_option("--newer", o.newer, "Only entries modified after a date or a duration ago (2h, 3d)");
  cli.add_option("--older", o.older, "Only entries modified before a date or a duration ago");
  cli.add_flag("-l,--long", o.long_format, "Print size, mtime (ISO-8601 UTC) and path, tab-separated");
  cli.add_flag("-0,--print0", o.print0, "End records with NUL instead of newline");
  cli.add_flag("--json", o.json, "JSON Lines: path, type, size, mtime; errors as their own records");
  cli.add_flag("--sort", o.sort, "Sort by path (byte order); the same output for any thread count");
  cli.add_flag("--summary", o.summary_on, "Per-directory totals (files, dirs, bytes) instead of entries");
  cli.add_option("--summary-depth", o.summary, "Depth of the --summary rows (default 1: the class folders)");
  cli.add_flag("--stats", o.stats, "Print walk statistics to stderr");
  app::add_threads_flag(&cli, o.threads, "by filesystem type");
  app::add_output_flag(
      &cli, o.output,
      "Write the listing to this file (replaced atomically; a FIFO or device written in place)");
  cli.add_flag(
      "--cached-attrs", o.cached_attrs,
      "Take sizes and mtimes from the kernel's attribute cache: one round trip per entry on NFS/FUSE "
      "instead of two, possibly stale");
  cli.set_version_flag("--version", "dsls 0.1.0");
  std::vector<std::string> negative_sizes;
  try {
    // A negative value such as `-S -10k` must reach --size, not be taken for a flag.
    for (int i = 1; i + 1 < argc; ++i) {
      const std::string a = argv[i];
      if ((a == "-S" || a == "--size") && argv[i + 1][0] == '-') {
        negative_sizes.push_back(argv[i + 1]);
        for (int k = i; k + 2 <= argc; ++k) argv[k] = argv[k + 2];
        argc -= 2;
        --i;
      }
    }
    app::tidy_help(cli);
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli.exit(e);
    return app::usage_error("dsls", cli, e);
  }
  o.sizes.insert(o.sizes.end(), negative_sizes.begin(), negative_sizes.end());
  if (o.paths.empty()) o.paths.push_back(".");

  ListOptions lo;
  if (auto err = to_list_options(o, lo); !err.empty()) return app::usage_error("dsls", err);

  // -o FILE: the listing goes to a temporary named over FILE once the walk is done (a FIFO or device: in
  // place, as it comes). Standard output otherwise.
  const bool to_file = !o.output.empty() && o.output != "-";
  OutputFile file;
  if (to_file) {
    if (auto err = file.open(o.output)) {
      app::print_error("dsls", describe_write_error(*err));
      return app::kExitOutput;
    }
  }
  ListProgress progress;
  OutputSink out(to_file ? file.fd() : STDOUT_FILENO);
  // A table on a terminal gets a header naming its columns; pipes and files get the bare rows.
  if (!to_file && lo.summary_depth > 0 && lo.format != ListFormat::json && lo.terminator == '\n' &&
      ::isatty(STDOUT_FILENO) == 1)
    out.write("files\tdirs\tbytes\tpath\n");
  const auto t0 = std::chrono::steady_clock::now();
  ListResult r;
  {
    app::ProgressLine line([&](double s) {
      const double n = static_cast<double>(progress.entries.load());
      return fmt::format("dsls: {} entries, {} errors, {}/s", progress.entries.load(), progress.errors.load(),
                         human_rate(s > 0 ? n / s : 0));
    });
    r = run_listing(
        o.paths, lo, out,
        [&](const PathError& e, bool root) {
          app::print_error("dsls", root ? app::describe_input(e) : describe(e));
        },
        &progress);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (o.stats) {
    app::print_error("dsls",
                     fmt::format("{} directories, {} entries, {} matched, {} errors, {} vanished, "
                                 "{:.3f} s, {} entries/s, {} threads ({})",
                                 r.walk.dirs, r.walk.entries, r.matched, r.walk.errors, r.walk.vanished, secs,
                                 human_rate(secs > 0 ? double(r.walk.entries) / secs : 0), r.walk.threads,
                                 detect_fs(o.paths.front()).name));
  }
  if (to_file) {
    if (r.output_errno != 0) {
      app::print_error("dsls", describe_write_error(PathError{o.output, r.output_errno, "write"}));
      return app::kExitOutput;
    }
    if (auto err = file.commit()) {
      app::print_error("dsls", describe_write_error(*err));
      return app::kExitOutput;
    }
  }
  if (r.output_errno == EPIPE) return r.root_failed ? app::kExitUsage : app::kExitOk;
  if (r.output_errno != 0) {
    app::print_error("dsls", fmt::format("cannot write output: {}", std::strerror(r.output_errno)));
    return app::kExitOutput;
  }
  if (r.root_failed) return app::kExitUsage;
  return r.walk.errors > 0 ? app::kExitPartial : app::kExitOk;
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dsls", argc, argv, run);
}
