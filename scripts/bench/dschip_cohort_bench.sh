#!/usr/bin/env bash
# dschip on a cohort across MPI ranks against one process, in one run: 8 pyramidal JPEG TIFF slides of
# 8 sizes (slide k is k*BASE x k*BASE*4/5 pixels, k = 3..10), every 224 x 224 JPEG q90 chip (--no-mask),
# chipped by one process with -j 2 and by `mpirun -np 2` ranks with -j 1 each (one rank per core, as one rank
# per node with -j its cores would be on a cluster). Checks that both give the same chip files and chips.tsv
# rows (all columns but mtime_ns and ino), then prints a Markdown table: wall time, CPU time, peak RSS of
# the largest process, and the time ratio.
#
#   scripts/bench/dschip_cohort_bench.sh
#
# Environment:
#   BUILD_DIR        where bin/dschip is                    (default: build, relative to the repo root)
#   DSKIT_BENCH_DIR  where the slides are made (and reused) and chips written (default: /work/data-chip-cohort)
#   BASE             slide size unit in pixels              (default 2500: 1.9 gigapixels, ~38,000 chips)
#   RANKS            ranks of the MPI run                   (default 2)
#   MAX_LOAD         wait (up to 5 min) for the 1-min load average to fall below this (default 1.0)
# On one machine the cores bound both runs alike: the ratio shows the cost of the cohort machinery (MPI
# start-up, measuring, the hand-out, rank 0 assembling chips.tsv), not a speed-up. On N nodes each rank
# brings its node's cores and the slides are dealt largest first, so the run takes about 1/N of one node's
# time plus the largest piece (a slide above 1/(2N) of the pixels is cut into pieces) and rank 0's assembly.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dschip_cohort_bench build /work/data-chip-cohort 1.0 "$@"
unit=${BASE:-2500}
ranks=${RANKS:-2}
dschip=$build/bin/dschip
bench_need_bins dschip
bench_need_tools "$me" "apt-get install libvips-tools time openmpi-bin" vips /usr/bin/time mpirun
mkdir -p "$base"
cd "$base"

# shellcheck source=dschip_tile.sh source-path=SCRIPTDIR
. "$here/dschip_tile.sh"
make_tile
mkdir -p "slides-$unit"
for k in 3 4 5 6 7 8 9 10; do
  out=slides-$unit/slide$k.tif
  [[ -f $out ]] && continue
  w=$((k * unit)) h=$((k * unit * 4 / 5))
  vips replicate tissue.v rep.v $(((w + 999) / 1000)) $(((h + 999) / 1000))
  vips crop rep.v "tmp.tif[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=90]" 0 0 "$w" "$h"
  mv tmp.tif "$out"
  rm -f rep.v
done

bench_wait_for_low_load -q "$me" "$max_load" 300 || true
echo "load before: $(bench_loadavg)"

# run NAME CMD...: "wall-s peak-RSS-KB user-s sys-s load" of CMD into $NAME.time, its chips in out-NAME
run() {
  local name=$1
  shift
  rm -rf "out-$name"
  sync
  /usr/bin/time -f "%e %M %U %S" -o "$name.time" "$@" > /dev/null
  echo "$(cat "$name.time") $(cut -d' ' -f1 /proc/loadavg)" > "$name.time"
  echo "$name: $(cat "$name.time") (wall s, RSS KB, user s, sys s, load)" >&2
}
opts=(--size 224 --format jpg --quality 90 --no-mask "slides-$unit")
run one "$dschip" "${opts[@]}" -o out-one -j 2
run ranks mpirun --allow-run-as-root --oversubscribe -np "$ranks" "$dschip" "${opts[@]}" -o out-ranks -j 1
echo "load after: $(bench_loadavg)"

rows() { awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { $3 = $4 = ""; print }' "$1"; }
diff -r -x chips.tsv out-one out-ranks > /dev/null || bench_die "$me" 1 "the chip files differ"
cmp -s <(rows out-one/chips.tsv) <(rows out-ranks/chips.tsv) || bench_die "$me" 1 "chips.tsv rows differ"
chips=$(($(wc -l < out-one/chips.tsv) - 2))
echo "same output: $chips chips, chip files and chips.tsv rows identical"
rm -rf out-one out-ranks

read -r os ok ou osy ol < one.time
read -r rs rk ru rsy rl < ranks.time
echo "| 8 slides, $chips chips of 224 | wall | CPU | peak RSS | load |"
echo "|---|---|---|---|---|"
printf '| one process, -j 2 | %s s | %.1f s | %d MB | %s |\n' "$os" "$(awk -v a="$ou" -v b="$osy" 'BEGIN { print a + b }')" \
  $((ok / 1024)) "$ol"
printf '| mpirun -np %s, -j 1 | %s s | %.1f s | %d MB | %s |\n' "$ranks" "$rs" \
  "$(awk -v a="$ru" -v b="$rsy" 'BEGIN { print a + b }')" $((rk / 1024)) "$rl"
echo "time ratio (ranks / one process): $(awk -v a="$rs" -v b="$os" 'BEGIN { printf "%.2f", a / b }')"
