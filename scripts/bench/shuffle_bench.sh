#!/usr/bin/env bash
# dsmanifest shuffle and shard of a 1,000,000-entry manifest (target: under 1 s each, load and write
# included), with `shuf` (coreutils) on the same file as the peer, in one run. Prints a Markdown table.
#
#   scripts/bench/shuffle_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/dsmanifest is                  (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the manifest is made and reused    (default: /tmp/dskit-bench)
#   ENTRIES          rows in the manifest                     (default: 1000000)
#   MAX_LOAD         wait (up to 10 min) until the 1-min load average is below this (default 0.7)
#   RESULTS          also write the table to this file
# The manifest (~105 MB) is read from the page cache: this measures CPU, not storage.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

entries=${ENTRIES:-1000000}
bench_setup shuffle_bench build-bench /tmp/dskit-bench 0.7 "$@"
runs=$((quick ? 3 : 10))

dsm=$build/bin/dsmanifest
bench_need_bins dsmanifest
bench_need_tools "$me" "apt-get install hyperfine coreutils gawk" hyperfine shuf awk

mkdir -p "$base"
m=$base/manifest-$entries.tsv
if [[ ! -s $m ]]; then
  # ImageNet-like rows: path, size, mtime_ns, ino, xxh3_128, label (1000 classes).
  awk -v n="$entries" 'BEGIN {
    printf "#dskit-manifest v1\troot=/data/imagenet\thash=xxh3-128\n"
    printf "path\tsize\tmtime_ns\tino\txxh3_128\tlabel\n"
    srand(1)
    for (i = 0; i < n; i++) {
      c = i % 1000
      printf "train/n%08d/n%08d_%d.JPEG\t%d\t%d\t%d\t%08x%08x%08x%08x\tn%08d\n", c, c, i, 50000 + int(rand() * 200000),
             1700000000000000000 + i * 1000, 1000000 + i, int(rand() * 4294967295), int(rand() * 4294967295),
             int(rand() * 4294967295), int(rand() * 4294967295), c
    }
  }' > "$m.tmp" && mv "$m.tmp" "$m"
fi
cat "$m" > /dev/null  # hot cache

busy=0
bench_wait_for_low_load -q "$me" "$max_load" 600 10 || busy=1
load=$(bench_load1)
((busy)) && echo "$me: WARNING: the machine stayed busy (load $load); figures are inflated" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hyperfine -N --warmup 1 --runs "$runs" --output=null --export-json "$work/h.json" \
  -n "dsmanifest shuffle" "$dsm shuffle $m --seed 1 --epoch 3" \
  -n "dsmanifest shuffle --block 64 --window 8" "$dsm shuffle $m --seed 1 --epoch 3 --block 64 --window 8" \
  -n "dsmanifest shuffle --shard-local" "$dsm shuffle $m --seed 1 --epoch 3 --shard-local" \
  -n "dsmanifest shuffle --indices" "$dsm shuffle $m --seed 1 --epoch 3 --indices" \
  -n "dsmanifest shard (rank 3 of 8)" "$dsm shard $m --seed 1 --epoch 3 --rank 3 --world 8" \
  -n "dsmanifest shard --pad (rank 6 of 7, the last)" "$dsm shard $m --seed 1 --epoch 3 --rank 6 --world 7 --pad" \
  -n "dsmanifest shard, no shuffle (rank 0 of 1)" "$dsm shard $m --rank 0 --world 1" \
  -n "shuf (peer)" "shuf --random-source=$m $m" >/dev/null

table=$(python3 - "$work/h.json" "$entries" "$load" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
peer = next(r["mean"] for r in res if r["command"] == "shuf (peer)")
print(f"{int(sys.argv[2]):,} entries, {len(res[0]['times'])} runs each, load average {sys.argv[3]} before the run")
print()
print("| command | mean | min | vs shuf |")
print("|---|---|---|---|")
for r in res:
    print(f"| {r['command']} | {r['mean']:.3f} s | {r['min']:.3f} s | {peer / r['mean']:.2f}x |")
def stat(prefix, key):
    return next(r[key] for r in res if r["command"].startswith(prefix))
print()
print(f"shuffle then shard, two runs: mean {stat('dsmanifest shuffle', 'mean') + stat('dsmanifest shard (rank 3', 'mean'):.3f} s,"
      f" min {stat('dsmanifest shuffle', 'min') + stat('dsmanifest shard (rank 3', 'min'):.3f} s;"
      f" shard --seed alone (shuffles and shards in one run): mean {stat('dsmanifest shard (rank 3', 'mean'):.3f} s"
      f" (target: under 1 s)")
PY
)
echo "$table"
[[ -n ${RESULTS:-} ]] && echo "$table" > "$RESULTS"
exit 0
