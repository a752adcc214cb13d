// dsmanifest convert: a manifest as JSON Lines, NUL-separated paths, or an xxhsum checksum file.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/common_flags.h"
#include "commands.h"
#include "dskit/manifest/convert.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct ConvertCmdOptions {
  std::string manifest;
  std::string to;
  std::string out;
  bool relative = false;
  cli::LoadFlags load;
};

int run_convert(const ConvertCmdOptions& o) {
  using namespace dskit;
  Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  std::string text;
  uint64_t skipped = 0;
  if (o.to == "jsonl") {
    to_jsonl(m, text);
  } else if (o.to == "paths0") {
    to_paths0(m, o.relative, text);
  } else {
    if (m.hash_col() < 0) {
      return cli::usage(
          "convert",
          o.manifest + ": --to xxhsum needs a hash column (the manifest was built with --hash none)");
    }
    to_xxhsum(m, text, skipped);
  }
  if (int rc = dskit::app::write_report("dsmanifest", o.out, text)) return rc;
  if (skipped) {
    cli::error(
        fmt::format("{} entries left out: a newline or carriage return in the path (xxhsum cannot "
                    "read them) or no hash",
                    skipped));
    return app::kExitPartial;
  }
  return app::kExitOk;
}

}  // namespace

Command add_convert(CLI::App& app) {
  auto o = std::make_shared<ConvertCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("convert", "Write a manifest as JSON Lines, NUL-separated paths or xxhsum sums");
  sub->add_option("manifest", o->manifest, "The manifest ('-': standard input)")->required();
  sub->add_option("--to", o->to, "jsonl, paths0 or xxhsum")
      ->required()
      ->check(CLI::IsMember({"jsonl", "paths0", "xxhsum"}));
  dskit::app::add_output_flag(sub, o->out);
  sub->add_flag("--relative", o->relative, "paths0: paths relative to the root (default: absolute)");
  cli::add_load_flags(sub, o->load);
  return {sub, [o] { return run_convert(*o); }};
}

}  // namespace dsmanifest
