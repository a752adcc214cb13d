// Shared by dsmanifest's build, verify, update, diff, convert and stats: loading with --root and
// --allow-outside-root, the progress line, JSON path members, and write-failure exit codes.
#pragma once

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>

#include "cli/progress.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/json.h"
#include "dskit/base/text.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/lock.h"
#include "dskit/manifest/manifest.h"

namespace dsmanifest::cli {

inline void error(std::string_view message) {
  dskit::app::print_error("dsmanifest", message);
}

// A usage error of subcommand SUB (a flag's value, flags that contradict each other, a flag the input
// cannot serve): "dsmanifest: MESSAGE (see dsmanifest SUB --help)"; returns kExitUsage.
inline int usage(std::string_view sub, std::string_view message) {
  return dskit::app::usage_error("dsmanifest", sub, message);
}

struct LoadFlags {
  std::string root;
  bool allow_outside_root = false;
};

inline void add_load_flags(CLI::App* sub, LoadFlags& f) {
  sub->add_option("--root", f.root, "Dataset root to use instead of the one the manifest records");
  sub->add_flag("--allow-outside-root", f.allow_outside_root,
                "Accept entries whose path is absolute or leaves the root with '..'");
}

// Loads FILE; 0, or kExitUsage after printing the error (file:line for format errors).
inline int load(const std::string& file, const LoadFlags& f, dskit::Manifest& m) {
  dskit::LoadOptions lo;
  lo.root_override = f.root;
  lo.allow_outside_root = f.allow_outside_root;
  if (auto err = dskit::load_manifest(file, lo, m)) {
    error(dskit::describe(*err));
    return dskit::app::kExitUsage;
  }
  return dskit::app::kExitOk;
}

inline void add_wait_flag(CLI::App* sub, bool& wait) {
  sub->add_flag("--wait", wait,
                "If another dsmanifest is writing the same output manifest, wait for it instead of failing");
}

// Takes the lock for writing OUT (see dskit/manifest/lock.h; nothing for standard output); 0, or the exit
// code after printing the error: kExitLocked when another process holds it.
inline int lock_output(const std::string& out, bool wait, dskit::ManifestLock& lock) {
  if (auto err = dskit::ManifestLock::acquire(out, wait, lock)) {
    error(dskit::describe(*err));
    return err->err == EWOULDBLOCK ? dskit::app::kExitLocked : dskit::app::kExitOutput;
  }
  return dskit::app::kExitOk;
}

// Maps a write failure to its exit code (cli/report.h): EPIPE on standard output is a quiet success.
inline int write_result(const std::optional<dskit::PathError>& err) {
  return dskit::app::output_result("dsmanifest", err);
}

inline std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

// "walking: 12345 files" while walking, then "hashing: files, bytes, rate, ETA".
inline std::string render_progress(const dskit::BuildProgress& p, double elapsed, double& hash_start) {
  if (!p.hashing.load()) return fmt::format("dsmanifest: walking: {} files", p.files_found.load());
  if (hash_start < 0) hash_start = elapsed;
  const double t = elapsed - hash_start;
  const double done = static_cast<double>(p.bytes_hashed.load());
  const double total = static_cast<double>(p.bytes_to_hash.load());
  const double rate = t > 0 ? done / t : 0;
  // Sizes are known up front only when the walk stat'ed (update, verify); otherwise count files.
  const double files = static_cast<double>(p.files_hashed.load()),
               nfiles = static_cast<double>(p.files_to_hash.load());
  std::string eta = "?";
  if (total > 0 && rate > 0 && total >= done)
    eta = fmt::format("{:.0f} s", (total - done) / rate);
  else if (total == 0 && files > 0 && t > 0)
    eta = fmt::format("{:.0f} s", (nfiles - files) / (files / t));
  return fmt::format("dsmanifest: hashing: {}/{} files, {}{}, {}/s, ETA {}", p.files_hashed.load(),
                     p.files_to_hash.load(), human_bytes(done), total > 0 ? "/" + human_bytes(total) : "",
                     human_bytes(rate), eta);
}

// A JSON member "key":"raw value" for an escaped manifest cell, plus "key_b64" when not valid UTF-8.
inline void json_cell(dskit::JsonWriter& w, std::string_view key, std::string_view escaped) {
  w.bytes_field(key, dskit::unescape_field(escaped));
}

}  // namespace dsmanifest::cli
