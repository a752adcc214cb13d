#!/usr/bin/env bash
# dspack build (issue 16) against its peers, in one run, on the same trees:
#   - the 8,000-file tree behind the latency FUSE mount (DELAY_US per metadata call, DATA_DELAY_US per read):
#     GNU `tar cf`, a Python shard writer built as webdataset's ShardWriter works (dspack_peer.py: os.walk +
#     tarfile, 256 MB shards), dspack build; the mount is remounted before each (cold caches);
#   - the 280,000-file tree on the local disk, hot in the page cache: GNU `tar cf` and dspack build.
# Every output goes to a fresh directory on the local disk and is removed after it is measured; the member
# counts are checked against each other. Prints a Markdown table with ratios (peer time / dspack time).
#
#   scripts/bench/dspack_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/latfs and bin/dspack are            (default: build)
#   DSKIT_BENCH_DIR  where the trees are made and reused           (default: /tmp/dskit-bench)
#   DELAY_US         latfs round trip per metadata call, in us      (default: 1000)
#   DATA_DELAY_US    latfs delay per read, in us                    (default: 200)
#   MAX_LOAD         wait (up to 10 min) for the 1-min load average to fall below this (default 0.7)
# --quick: the latfs part only.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dspack_bench build /tmp/dskit-bench 0.7 "$@"
delay=${DELAY_US:-1000} data_delay=${DATA_DELAY_US:-200}
py=/usr/bin/python3
bench_need_exec "$me" "build with scripts/build.sh build" "$build/bin/latfs" "$build/bin/dspack"
bench_need_tools "$me" "apt-get install fuse3 tar" fusermount3 tar "$py"
"$py" "$here/mktree.py" --base "$base" small medium >/dev/null
small=$base/small medium=$base/medium mnt=$base/mnt-pack-small
work=$(mktemp -d "${TMPDIR:-/tmp}/dspack-bench.XXXXXX")
cleanup() {
  bench_latfs_unmount "$mnt"
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup
# The mount with both delays (bench_latfs_mount sets the metadata delay only).
remount() {
  mkdir -p "$mnt"
  bench_latfs_unmount "$mnt"
  "$build/bin/latfs" "$small" "$mnt" -o ro -o "delay_us=$delay" -o "data_delay_us=$data_delay"
  mountpoint -q "$mnt" || bench_die "$me" 1 "latfs did not mount $mnt"
}

bench_wait_for_low_load "$me" "$max_load" 600 || true
echo "$me: $(date -u +%FT%TZ), load $(bench_loadavg), latfs ${delay} us metadata, ${data_delay} us read" >&2

declare -A S N
# run KEY CMD...: time CMD (its output under $work/out, removed afterwards); S[KEY] seconds, N[KEY] members.
run() {
  local key=$1 t0 t1
  shift
  rm -rf "$work/out"
  mkdir -p "$work/out"
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/err" || bench_die "$me" 1 "$key failed: $(head -c 500 "$work/err")"
  t1=$(date +%s.%N)
  S[$key]=$("$py" -c 'import sys; print("%.3f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
  N[$key]=$(cat "$work"/out/*.tar 2>/dev/null | tar -t --ignore-zeros 2>/dev/null | grep -cv '/$' || true)
  printf '  %-16s %10s s  %s members\n' "$key" "${S[$key]}" "${N[$key]}" >&2
  rm -rf "$work/out"
}
ratio() { "$py" -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.1fx" % (a / b if b else float("inf")))' "$1" "$2"; }

remount; run lat.tar tar cf "$work/out/all.tar" -C "$mnt" .
remount; run lat.python "$py" "$here/dspack_peer.py" "$mnt" "$work/out"
remount; run lat.dspack "$build/bin/dspack" build "$mnt" -o "$work/out"
bench_latfs_unmount "$mnt"
if ((!quick)); then
  tar cf - -C "$medium" . | cat >/dev/null  # the page cache made hot
  run hot.tar tar cf "$work/out/all.tar" -C "$medium" .
  run hot.dspack "$build/bin/dspack" build "$medium" -o "$work/out"
fi
files=$(find "$small" -type f | wc -l)

cat <<TABLE
| dspack build | peer | dspack | ratio |
|---|---|---|---|
| $files files on latfs (${delay} us metadata, ${data_delay} us read) | GNU tar cf ${S[lat.tar]} s | ${S[lat.dspack]} s | $(ratio "${S[lat.tar]}" "${S[lat.dspack]}") |
| same | Python ShardWriter-style ${S[lat.python]} s | ${S[lat.dspack]} s | $(ratio "${S[lat.python]}" "${S[lat.dspack]}") |
TABLE
if ((!quick)); then
  echo "| $(find "$medium" -type f | wc -l) files, local disk, hot cache | GNU tar cf ${S[hot.tar]} s | ${S[hot.dspack]} s | $(ratio "${S[hot.tar]}" "${S[hot.dspack]}") |"
fi
echo "members: tar ${N[lat.tar]}, python ${N[lat.python]} (with .cls), dspack ${N[lat.dspack]} (with .cls)" >&2
echo "$me: load at the end $(bench_loadavg)" >&2
