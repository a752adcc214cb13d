#!/usr/bin/env bash
# dsmanifest against its peers, in one run, on the same data (hot page cache: every command runs once to
# warm up, then the best of RUNS is kept):
#   1. build with XXH3-128 over ~280,000 small files (~1.1 GB) vs `find | xargs -0 -P2 xxhsum -H2`
#      (target: >= 10x faster), with `find | xargs cat` for reference;
#   2. hashing one large file (default 4 GiB) vs `cat FILE > /dev/null` (target: >= 90% of cat's rate);
#   3. update of the unchanged small-file tree vs a `dsls -l` stat-walk of it (target: <= 1.5x);
#   4. loading a 1,000,000-entry manifest (target: < 1 s), timed as `dsmanifest convert --to paths0`
#      (load + write all paths), an upper bound of the load alone.
# Prints a Markdown table.
#
#   scripts/bench/dsmanifest_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/dsmanifest and bin/dsls are  (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the data is made and reused      (default: /tmp/dskit-bench-manifest)
#   FILES            small files                            (default: 280000)
#   BIG_MIB          size of the large file in MiB           (default: 4096)
#   RUNS             timed runs per command (best kept)     (default: 3)
#   MAX_LOAD         wait (up to 10 min) for the 1-min load average to drop below this (default 0.7)
# --quick: 28,000 small files, a 1 GiB large file, one run.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dsmanifest_bench build-bench /tmp/dskit-bench-manifest 0.7 "$@"
files=${FILES:-280000}
big_mib=${BIG_MIB:-4096}
runs=${RUNS:-3}
if ((quick)); then files=28000 big_mib=1024 runs=1; fi

dsm=$build/bin/dsmanifest
dsls=$build/bin/dsls
bench_need_bins dsmanifest dsls
bench_need_tools "$me" "apt-get install xxhash findutils python3" xxhsum find xargs python3

small=$base/small-$files
big=$base/big-$big_mib
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- data (made once, reused) ----
if [[ ! -e $small/.complete ]]; then
  echo "making $files small files in $small ..." >&2
  rm -rf "$small"
  python3 - "$small" "$files" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
classes = 1000
blob = os.urandom(1 << 20)
for c in range(classes):
    os.makedirs(os.path.join(root, "class%04d" % c), exist_ok=True)
for i in range(n):
    size = rng.randint(1024, 7168)  # mean 4 KiB: 280,000 files ~ 1.1 GB
    off = rng.randint(0, len(blob) - size)
    with open(os.path.join(root, "class%04d" % (i % classes), "img%07d.jpg" % i), "wb") as f:
        f.write(blob[off:off + size])
open(os.path.join(root, ".complete"), "w").close()
PY
fi
if [[ ! -e $big/.complete ]]; then
  echo "making a $big_mib MiB file in $big ..." >&2
  rm -rf "$big" && mkdir -p "$big"
  head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$big/big.bin"
  touch "$big/.complete"
fi
manifest1m=$base/1m.tsv
if [[ ! -e $manifest1m ]]; then
  python3 - "$manifest1m" <<'PY'
import random, sys
rng = random.Random(7)
with open(sys.argv[1], "w") as f:
    f.write("#dskit-manifest v1\troot=/data/synthetic\thash=xxh3-128\tlabels=folder\n")
    f.write("path\tsize\tmtime_ns\tino\txxh3_128\tlabel\n")
    for i in range(1_000_000):
        c = "class%04d" % (i % 1000)
        f.write("%s/img%07d.jpg\t%d\t%d\t%d\t%032x\t%s\n" % (c, i, rng.randint(1024, 7168),
                1767225600000000000 + i, 1000000 + i, rng.getrandbits(128), c))
PY
fi
small_bytes=$(du -sb --exclude=.complete "$small" | cut -f1)
big_bytes=$(stat -c %s "$big/big.bin")

# ---- timing ----
best() {  # best NAME CMD... : best wall time of $runs runs after one warm-up, into $T_NAME
  local name=$1; shift
  bash -c "$*" >/dev/null 2>&1 || true
  local b=""
  for ((r = 0; r < runs; r++)); do
    local t0 t1
    t0=$(date +%s.%N)
    bash -c "$*" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN{t=z-a; if (b=="" || t<b) b=t; printf "%.3f", b}')
  done
  printf -v "T_$name" '%s' "$b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN{printf "%.2f GB/s", bytes/s/1e9}'; }

bench_wait_for_low_load -q "$me" "$max_load" 600 10 || true
load_before=$(bench_loadavg)
best dsm_build "'$dsm' build '$small' > '$work/small.tsv'"
best xargs_xxhsum "find '$small' -type f -print0 | xargs -0 -P2 xxhsum -H2"
best xargs_cat "find '$small' -type f -print0 | xargs -0 -P2 cat"
"$dsm" build "$small" -o "$work/small.tsv"
best dsm_update "'$dsm' update -q '$work/small.tsv'"
best dsm_update_o "'$dsm' update -q '$work/small.tsv' -o '$work/upd.tsv'"
best dsls_l "'$dsls' -l '$small'"
best dsm_big "'$dsm' build '$big'"
best cat_big "cat '$big/big.bin'"
best xxhsum_big "xxhsum -H2 '$big/big.bin'"
best dsm_load1m "'$dsm' convert --to paths0 --relative '$manifest1m'"
best dsm_stats1m "'$dsm' stats '$manifest1m'"
load_after=$(bench_loadavg)

# The T_* variables are set by best() through printf -v.
# shellcheck disable=SC2154
cat <<EOF2
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(df -T "$base" | awk 'NR==2{print $2}') on $(df "$base" | awk 'NR==2{print $1}'); hot page cache.
Date: $(date -u +%Y-%m-%dT%H:%MZ); load average before / after: $load_before / $load_after; best of $runs runs.
Data: $files files, $small_bytes bytes in 1000 directories; one $big_bytes-byte file; a 1,000,000-entry manifest.

| what | dsmanifest | peer | peer time | ratio | target |
|---|---|---|---|---|---|
| build, XXH3-128, $files small files | $T_dsm_build s | \`find -print0 \| xargs -0 -P2 xxhsum -H2\` | $T_xargs_xxhsum s | $(ratio "$T_xargs_xxhsum" "$T_dsm_build")x faster | >= 10x |
| (reference) read the same files | | \`find -print0 \| xargs -0 -P2 cat\` | $T_xargs_cat s | | |
| hash one large file | $T_dsm_big s ($(rate "$big_bytes" "$T_dsm_big")) | \`cat FILE > /dev/null\` | $T_cat_big s ($(rate "$big_bytes" "$T_cat_big")) | $(awk -v a="$T_cat_big" -v b="$T_dsm_big" 'BEGIN{printf "%.0f%%", 100*a/b}') of cat | >= 90% |
| (reference) | | \`xxhsum -H2 FILE\` | $T_xxhsum_big s | | |
| update in place, unchanged tree | $T_dsm_update s | \`dsls -l\` (stat-walk) | $T_dsls_l s | $(ratio "$T_dsm_update" "$T_dsls_l")x the stat-walk | <= 1.5x |
| update -o NEW (rewrites, fsyncs) | $T_dsm_update_o s | \`dsls -l\` | | $(ratio "$T_dsm_update_o" "$T_dsls_l")x | |
| load 1,000,000 entries (+ write all paths) | $T_dsm_load1m s | | | | < 1 s |
| stats of 1,000,000 entries | $T_dsm_stats1m s | | | | |
EOF2
