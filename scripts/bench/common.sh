# shellcheck shell=bash
# The preamble shared by the benchmark scripts in scripts/bench/. Not run on its own: each script sources it
# right after `set -euo pipefail`, with
#
#   . "$(dirname "$0")/common.sh"
#
# It sets $here (this directory, where the helper scripts are) and $repo (the repository root), and defines the
# bench_* functions below. The functions that print take the calling script's name (NAME) first and prefix
# their messages with it, as "NAME: ..." on stderr.

# Both are used by the scripts that source this file.
# shellcheck disable=SC2034
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034
repo=$(cd "$here/../.." && pwd)

# bench_build_dir DEFAULT: the build directory, $BUILD_DIR or else DEFAULT, taken relative to the repo root
# unless it is absolute.
bench_build_dir() {
  local build=${BUILD_DIR:-$repo/$1}
  [[ $build = /* ]] || build=$repo/$build
  echo "$build"
}

# bench_setup NAME BUILD BASE LOAD [ARG...]: the variables a benchmark script starts with: $me (NAME, for
# messages), $build (bench_build_dir BUILD), $base (where data is made and reused: $DSKIT_BENCH_DIR, or else
# BASE), $max_load (the 1-min load average to wait for: $MAX_LOAD, or else LOAD) and $quick (1 when the
# script's first argument ARG is --quick, else 0). Called as `bench_setup NAME BUILD BASE LOAD "$@"`.
bench_setup() {
  # Used by the scripts that call this function.
  # shellcheck disable=SC2034
  me=$1 build=$(bench_build_dir "$2") base=${DSKIT_BENCH_DIR:-$3} max_load=${MAX_LOAD:-$4} quick=0
  # shellcheck disable=SC2034
  [[ ${5:-} != --quick ]] || quick=1
}

# bench_latfs_unmount MNT: unmounts MNT when it is a mount point (lazily when it is busy).
bench_latfs_unmount() {
  if mountpoint -q "$1" 2>/dev/null; then fusermount3 -u "$1" 2>/dev/null || fusermount3 -uz "$1" || true; fi
}

# bench_latfs_mount NAME LATFS SRC MNT DELAY_US: (re)mounts SRC read-only at MNT behind the latency FUSE mount
# (a fresh mount: the kernel's caches of the old one go with it); exits 1, saying so, when it does not mount.
bench_latfs_mount() {
  local name=$1 latfs=$2 src=$3 mnt=$4 delay=$5
  mkdir -p "$mnt"
  bench_latfs_unmount "$mnt"
  "$latfs" "$src" "$mnt" -o ro -o "delay_us=$delay"
  mountpoint -q "$mnt" || bench_die "$name" 1 "latfs did not mount $mnt"
}

# bench_die NAME STATUS MESSAGE...: print "NAME: MESSAGE" on stderr and exit with STATUS.
bench_die() {
  local name=$1 status=$2
  shift 2
  echo "$name: $*" >&2
  exit "$status"
}

# bench_need_exec NAME HINT FILE...: exit 2, saying "NAME: FILE missing: HINT", unless every FILE is executable.
bench_need_exec() {
  local name=$1 hint=$2 f
  shift 2
  for f; do
    [[ -x $f ]] || bench_die "$name" 2 "$f missing: $hint"
  done
}

# bench_need_bins TOOL...: exit 2, saying how to build them, unless every $build/bin/TOOL is executable
# ($me and $build as bench_setup sets them).
bench_need_bins() {
  local t
  for t; do
    bench_need_exec "$me" "build with cmake -S . -B $build -G Ninja && cmake --build $build --target $t" \
      "$build/bin/$t"
  done
}

# bench_need_tools NAME HINT TOOL...: when a TOOL is not a command (a name on the PATH or a path), installs the
# benchmark peers once (scripts/deps.sh bench: the quickstart installs only what running dskit needs); then
# exits 2, saying "NAME: TOOL not found (HINT)", unless every TOOL is a command.
bench_need_tools() {
  local name=$1 hint=$2 t
  shift 2
  for t; do
    command -v "$t" >/dev/null && continue
    "$repo/scripts/deps.sh" bench >&2 || true
    command -v "$t" >/dev/null || bench_die "$name" 2 "$t not found ($hint)"
  done
}

# bench_load1: the 1-min load average. bench_loadavg: the 1-, 5- and 15-min load averages.
bench_load1() { cut -d' ' -f1 /proc/loadavg; }
bench_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_load_below MAX: true if the 1-min load average is below MAX.
bench_load_below() { awk -v m="$1" '{exit !($1 < m)}' /proc/loadavg; }

# bench_wait_for_low_load [-q] NAME MAX_LOAD SECONDS [STEP]: wait until the 1-min load average is below
# MAX_LOAD, checking every STEP seconds (default 5) for at most SECONDS. Returns 0 once it is below, or 1 if it
# still is not after SECONDS (then measure anyway; under set -e, call it as `... || true` or `... || idle=no`).
# Says on stderr that it waits, and that it gave up; -q: silently.
bench_wait_for_low_load() {
  local quiet=0
  if [[ $1 == -q ]]; then quiet=1; shift; fi
  local name=$1 max=$2 limit=$3 step=${4:-5} waited=0
  until bench_load_below "$max"; do
    if ((waited == 0 && !quiet)); then
      echo "$name: waiting for the load average to drop below $max ($(bench_loadavg))" >&2
    fi
    if ((waited >= limit)); then
      ((quiet)) || echo "$name: load still $(bench_loadavg) after ${limit}s; measuring anyway" >&2
      return 1
    fi
    sleep "$step"
    waited=$((waited + step))
  done
}

# bench_cleanup_on_exit COMMAND: run COMMAND (say, a cleanup function) when the script exits, also on Ctrl-C
# (exit status 130) and SIGTERM (143).
bench_cleanup_on_exit() {
  # Expanded now on purpose: COMMAND is what the trap runs.
  # shellcheck disable=SC2064
  trap "$1" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
