#!/usr/bin/env bash
# Reading the same samples as small files and as a dspack pack (issue 16), with the same tool, on the same
# latency-injecting FUSE mount: `dsbench randread --data` over a manifest of the 8,000 files of mktree.py's
# small tree (each opened, read and closed: a LOOKUP, an OPEN, the READs, a RELEASE), then over the pack
# `dspack build --no-label` made of that tree (index.tsv read once, the shards opened once, each sample a
# pread at its offset). Both behind latfs (DELAY_US per metadata call, DATA_DELAY_US per read), remounted
# before each run so no cache of the other run is left, once as latfs mounts by default (the kernel sends a
# GETATTR before every read, its check that cached data did not change, since latfs caches no attributes) and
# once with read_getattr=0 (reads within the attribute cache, as NFS's between open and close); buffered reads (latfs refuses O_DIRECT reads), the
# files opened without keep_cache and the shards advised POSIX_FADV_RANDOM by dsbench, so every sample's bytes
# come through the mount once. Prints a Markdown table: samples/s, MB/s, the mount's requests per sample (from
# latfs's counters) and the ratio pack / files, one row per mount kind.
#
#   scripts/bench/dspack_read_bench.sh
#
# Environment:
#   BUILD_DIR        where bin/latfs, bin/dspack and bin/dsbench are  (default: build)
#   DSKIT_BENCH_DIR  where the tree and the pack are made and reused   (default: /tmp/dskit-bench)
#   DELAY_US         latfs round trip per metadata call, in us          (default: 1000)
#   DATA_DELAY_US    latfs delay per read, in us                        (default: 200)
#   THREADS          dsbench reader threads, the same for both          (default: 8)
#   MAX_LOAD         wait (up to 10 min) for the 1-min load average to fall below this (default 0.7)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dspack_read_bench build /tmp/dskit-bench 0.7 "$@"
delay=${DELAY_US:-1000} data_delay=${DATA_DELAY_US:-200} threads=${THREADS:-8}
py=/usr/bin/python3
bench_need_bins latfs dspack dsbench
bench_need_tools "$me" "apt-get install fuse3" fusermount3 "$py"
"$py" "$here/mktree.py" --base "$base" small >/dev/null
small=$base/small pack=$base/small-pack mfiles=$base/mnt-read-files mpack=$base/mnt-read-pack
work=$(mktemp -d "${TMPDIR:-/tmp}/dspack-read-bench.XXXXXX")
cleanup() {
  bench_latfs_unmount "$mfiles"
  bench_latfs_unmount "$mpack"
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup
# remount SRC MNT STATS: a fresh latfs mount with both delays and $getattr, its request counts written to STATS
# at unmount.
remount() {
  bench_latfs_mount "$me" "$build/bin/latfs" "$1" "$2" "$delay" -o "data_delay_us=$data_delay" -o "stats_file=$3" \
    -o "read_getattr=$getattr"
}

# The pack of the tree, one file a sample (no .cls member), remade when the tree is newer.
if [[ ! -f $pack/index.tsv || $small.done -nt $pack/index.tsv ]]; then
  rm -rf "$pack"
  "$build/bin/dspack" build "$small" -o "$pack" --no-label 2>/dev/null
fi
# The same samples as files on the mount: a manifest of the packed source files (index.tsv's path and size),
# with the mount as its root, so dsbench lists nothing through the mount before it measures.
{
  printf '#dskit-manifest v1\troot=%s\npath\tsize\n' "$mfiles"
  awk -F'\t' 'NR > 2 && $8 == "file" {print $1 "\t" $2}' "$pack/index.tsv"
} >"$work/files.tsv"

bench_wait_for_low_load "$me" "$max_load" 600 || true
echo "$me: $(date -u +%FT%TZ), load $(bench_loadavg), latfs ${delay} us metadata, ${data_delay} us read, $threads threads" >&2
json() { "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"r": r}))' "$@"; }
# run KEY DATA MNT SRC: dsbench randread --data DATA on a fresh mount of SRC at MNT; the report in $work/KEY.json,
# the mount's requests of the whole dsbench run (set-up included) per sample read in $work/KEY.per.
run() {
  local key=$1 data=$2 mnt=$3 src=$4 _
  remount "$src" "$mnt" "$work/$key.stats"
  "$build/bin/dsbench" randread --data "$data" --buffered --threads "$threads" --seed 1 --json \
    >"$work/$key.json" 2>"$work/$key.err" || bench_die "$me" 1 "$key failed: $(head -c 500 "$work/$key.err")"
  bench_latfs_unmount "$mnt"
  for _ in $(seq 50); do [[ -s $work/$key.stats ]] && break; sleep 0.1; done
  [[ $(json "$work/$key.json" 'r["errors"]') == 0 ]] || bench_die "$me" 1 "$key: read errors"
  "$py" - "$work/$key.stats" "$(json "$work/$key.json" 'r["samples"]')" >"$work/$key.per" <<'PY'
import sys
ops = dict(kv.split("=") for kv in open(sys.argv[1]).read().split())
n = int(sys.argv[2])
meta = sum(int(v) for k, v in ops.items() if k not in ("read", "release", "releasedir", "total", "peak_inflight"))
print("%.2f metadata calls + %.2f reads per sample" % (meta / n, int(ops.get("read", 0)) / n))
PY
  printf '  %-6s %s samples, %s bytes, %s s; %s (load %s)\n' "$key" "$(json "$work/$key.json" 'r["samples"]')" \
    "$(json "$work/$key.json" 'r["bytes"]')" "$(json "$work/$key.json" 'r["seconds"]')" "$(cat "$work/$key.per")" \
    "$(bench_load1)" >&2
}
echo "| dsbench randread --data, latfs ${delay} us metadata, ${data_delay} us read, $threads threads | files: samples/s, MB/s | pack: samples/s, MB/s | ratio |"
echo "|---|---|---|---|"
for getattr in 1 0; do
  run files "$work/files.tsv" "$mfiles" "$small"
  run pack "$mpack" "$mpack" "$pack"
  f=$work/files.json p=$work/pack.json
  [[ "$(json "$f" 'r["samples"], r["bytes"]')" == "$(json "$p" 'r["samples"], r["bytes"]')" ]] ||
    bench_die "$me" 1 "files and pack read different samples: $(json "$f" 'r["samples"], r["bytes"]') vs $(json "$p" 'r["samples"], r["bytes"]')"
  how="a GETATTR before each read (FUSE's default)"
  ((getattr)) || how="no GETATTR before reads (read_getattr=0, as NFS within its attribute cache)"
  echo "| $(json "$p" 'r["samples"]') samples ($(json "$p" '"%.1f MB" % (r["bytes"] / 1e6)'), $(json "$p" 'r["pack"]["shards"]') shard), $how; files: $(cat "$work/files.per"); pack: $(cat "$work/pack.per") | $(json "$f" '"%.0f, %.1f" % (r["samples_per_s"], r["bandwidth_bytes_per_s"] / 1e6)') | $(json "$p" '"%.0f, %.1f" % (r["samples_per_s"], r["bandwidth_bytes_per_s"] / 1e6)') | $("$py" -c 'import json,sys; a, b = (json.load(open(x))["samples_per_s"] for x in sys.argv[1:]); print("%.1fx" % (b / a))' "$f" "$p") |"
  rm -f "$work"/*.stats
done
echo "$me: load at the end $(bench_loadavg)" >&2
