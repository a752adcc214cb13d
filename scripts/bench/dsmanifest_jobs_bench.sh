#!/usr/bin/env bash
# dsmanifest build's default concurrency against the best -j on the latency mount (issue 13): the 8,000-file
# tree (mktree.py small) behind latfs with a round trip of DELAY_US on every metadata call, built by default
# and with -j 1, 16, 64, 128 and 256. Each run goes round every setting once, so the runs of one setting are
# spread like the others' over the same minutes (the machine may be shared). Prints a Markdown table of the
# median of RUNS runs per setting and the ratio default/best (target: <= 1.25), and checks that every
# setting wrote the same manifest.
#
#   scripts/bench/dsmanifest_jobs_bench.sh
#
# Environment:
#   BUILD_DIR        where bin/dsmanifest and bin/latfs are  (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the tree is made and reused      (default: /tmp/dskit-bench)
#   DELAY_US         latfs round trip in microseconds        (default: 1000)
#   RUNS             runs per setting (median kept)          (default: 3)
#   JOBS             the -j values tried                      (default: "1 16 64 128 256")
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

me=dsmanifest_jobs_bench
build=$(bench_build_dir build-bench)
base=${DSKIT_BENCH_DIR:-/tmp/dskit-bench}
delay=${DELAY_US:-1000}
runs=${RUNS:-3}
read -r -a jobs <<< "${JOBS:-1 16 64 128 256}"

dsm=$build/bin/dsmanifest
latfs=$build/bin/latfs
bench_need_bins dsmanifest latfs
bench_need_tools $me "apt-get install fuse3 python3" fusermount3 python3

python3 "$here/mktree.py" --base "$base" small > /dev/null
small=$base/small
mnt=$base/mnt-jobs
work=$(mktemp -d)
cleanup() {
  bench_latfs_unmount "$mnt"
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup

bench_latfs_mount "$me" "$latfs" "$small" "$mnt" "$delay"

settings=(default "${jobs[@]}")
declare -A T  # T[setting]="s1 s2 ..."
load_start=$(bench_loadavg)
# The filesystem type and threads the default picks, from --stats.
"$dsm" build "$mnt" --stats -o "$work/warm.tsv" 2> "$work/stats"
chosen=$(grep 'hash threads' "$work/stats" | sed 's/^dsmanifest: //')
for ((r = 1; r <= runs; r++)); do
  for s in "${settings[@]}"; do
    args=()
    [[ $s == default ]] || args=(-j "$s")
    t0=$EPOCHREALTIME
    "$dsm" build "$mnt" "${args[@]}" -o "$work/$s.tsv"
    t1=$EPOCHREALTIME
    T[$s]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}') "
    cmp -s "$work/warm.tsv" "$work/$s.tsv" || bench_die $me 1 "-j $s wrote another manifest than the default"
  done
  echo "$me: run $r of $runs done (load $(bench_loadavg))" >&2
done
load_end=$(bench_loadavg)

median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
declare -A M
best=
for s in "${settings[@]}"; do
  M[$s]=$(median "${T[$s]}")
  [[ $s == default ]] && continue
  if [[ -z $best ]] || awk -v a="${M[$s]}" -v b="${M[$best]}" 'BEGIN{exit !(a < b)}'; then best=$s; fi
done
ratio=$(awk -v d="${M[default]}" -v b="${M[$best]}" 'BEGIN{printf "%.2f", d / b}')
met=$(awk -v r="$ratio" 'BEGIN{print (r <= 1.25) ? "met" : "NOT met"}')

echo "Date: $(date -u +%FT%TZ); $(getconf _NPROCESSORS_ONLN) cores; load average at start $load_start, at end" \
  "$load_end; latfs delay ${delay} us; 8,000 files (mktree.py small); median of $runs runs, settings taken in turn"
echo "Default: $chosen"
echo
echo "| setting | runs (s) | median s | vs best |"
echo "|---|---|---:|---:|"
for s in "${settings[@]}"; do
  label="-j $s"
  [[ $s == default ]] && label="default"
  printf '| %s | %s | %s | %s |\n' "$label" "${T[$s]% }" "${M[$s]}" \
    "$(awk -v a="${M[$s]}" -v b="${M[$best]}" 'BEGIN{printf "%.2fx", a / b}')"
done
echo
echo "default/best (-j $best) = $ratio (target <= 1.25: $met)"
