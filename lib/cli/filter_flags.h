// The selection flags the walking tools share (--name, --exclude, --no-hidden, --regex, -d, -x, -L), with
// the same spelling and help text in each. Header-only: CLI11 is header-only too.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace dskit::app {

struct FilterFlags {
  std::vector<std::string> names;
  std::vector<std::string> excludes;
  std::string regex;
  bool no_hidden = false;
  int max_depth = -1;
  bool one_fs = false;
  bool follow = false;
};

// `depth_of`: what -d 1 lists the children of, as the tool's help names it.
inline void add_filter_flags(CLI::App* app, FilterFlags& f, const char* depth_of = "the directory's") {
  app->add_option("--name", f.names, "Only names matching this glob (repeatable: any may match)")
      ->allow_extra_args(false);
  app->add_option("--exclude", f.excludes, "Skip entries (and subtrees) matching this glob (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--regex", f.regex, "Only relative paths matching this POSIX extended regex");
  app->add_flag("--no-hidden", f.no_hidden, "Skip names starting with '.' and their subtrees");
  app->add_option("-d,--max-depth", f.max_depth,
                  std::string("Descend at most N levels (1: ") + depth_of + " children)");
  app->add_flag("-x,--one-file-system", f.one_fs, "Do not descend into other filesystems");
  app->add_flag("-L,--follow", f.follow, "Follow symbolic links (loops are reported)");
}

}  // namespace dskit::app
