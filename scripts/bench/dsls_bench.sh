#!/usr/bin/env bash
# dsls against its peers (find, fdfind -u, ls -R, Python os.walk + os.stat), in one run, on the same trees:
# local disk with a hot cache, and a latfs mount that adds a round trip (default 1 ms) to every metadata call.
# Also the peak RSS of dsls listing 1,000,000 files unsorted. Prints a Markdown table of times and ratios.
#
#   scripts/bench/dsls_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/dsls and bin/latfs are      (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the trees are made and reused   (default: /tmp/dskit-bench)
#   DELAY_US         latfs round trip in microseconds      (default: 1000)
#   MAX_LOAD         wait (up to 10 min) until the 1-min load average is below this before measuring (default 0.7)
#   RESULTS          also write the table to this file
# --quick: fewer runs, and the slowest peers (Python os.walk + os.stat, ls -lR on the mount) left out.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dsls_bench build-bench /tmp/dskit-bench 0.7 "$@"
delay=${DELAY_US:-1000}

dsls=$build/bin/dsls
latfs=$build/bin/latfs
py=/usr/bin/python3
bench_need_bins dsls latfs
bench_need_tools "$me" "apt-get install hyperfine fd-find fuse3 python3" hyperfine find fdfind fusermount3 "$py"
[[ -x /usr/bin/time ]] || bench_die "$me" 2 "/usr/bin/time missing (apt-get install time)"

"$py" "$here/mktree.py" --base "$base" small medium million >/dev/null
medium=$base/medium small=$base/small million=$base/million
mnt_medium=$base/mnt-medium mnt_small=$base/mnt-small
work=$(mktemp -d)

cleanup() {
  for m in "$mnt_medium" "$mnt_small"; do
    if mountpoint -q "$m" 2>/dev/null; then fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m" || true; fi
  done
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup

mount_latfs() {  # SOURCE MOUNTPOINT
  mkdir -p "$2"
  if mountpoint -q "$2"; then fusermount3 -u "$2"; fi
  "$latfs" "$1" "$2" -o ro -o "delay_us=$delay" -o "stats_file=$work/$(basename "$2").stats"
  mountpoint -q "$2" || bench_die "$me" 1 "latfs did not mount $2"
}
mount_latfs "$medium" "$mnt_medium"
mount_latfs "$small" "$mnt_small"

# wait_idle: before each measurement, wait (up to a minute) for a second in which the CPUs are >= 90% idle,
# since other jobs on a 2-core machine take a core from the parallel lister and not from the serial peers.
not_idle=0
# /proc/stat's first line is a name and numbers: split on purpose.
# shellcheck disable=SC2207
cpu_idle_pct() {
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  local ta=0 tb=0 i
  for ((i = 1; i < ${#a[@]}; i++)); do ((ta += a[i], tb += b[i])); done
  echo $((100 * ((b[4] + b[5]) - (a[4] + a[5])) / (tb - ta > 0 ? tb - ta : 1)))
}
wait_idle() {
  local i
  for ((i = 0; i < 60; i++)); do (($(cpu_idle_pct) >= ${MIN_IDLE:-90})) && return 0; done
  ((not_idle += 1))
  echo "$me: CPUs still busy with other work; measuring anyway" >&2
}

# latfs request counters: SIGUSR1 appends "op=N ... total=N peak_inflight=N" to the stats file and resets them.
# cur_mnt: the mount the commands being measured read (set before each section).
cur_mnt=
latfs_dump() {
  # shellcheck disable=SC2155
  local p n f=$work/$(basename "$cur_mnt").stats
  n=$(wc -l 2>/dev/null <"$f" || echo 0)
  p=$(pgrep -f -- "^$latfs [^ ]* $cur_mnt " || true)
  [[ -n $p ]] || return 0
  # shellcheck disable=SC2086  # $p: one or more pids
  kill -USR1 $p
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    (($(wc -l 2>/dev/null <"$f" || echo 0) > n)) && break
    sleep 0.05
  done
}

# measure KEY RUNS WARMUP CMD... : median wall time in seconds (hyperfine, no shell, output to /dev/null) -> T[KEY];
# on the mount, also the FUSE requests of one run and the peak number in flight -> REQ[KEY]
declare -A T CMD REQ
measure() {
  local key=$1 runs=$2 warmup=$3
  shift 3
  CMD[$key]="$*"
  [[ $key == lat.* ]] && latfs_dump && latfs_dump
  wait_idle
  hyperfine -N --runs "$runs" --warmup "$warmup" --export-json "$work/h.json" -- "$(printf '%q ' "$@")" \
    >/dev/null 2>"$work/h.err" || { cat "$work/h.err" >&2; T[$key]=nan; return; }
  T[$key]=$("$py" -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json")
  if [[ $key == lat.* ]]; then
    latfs_dump
    REQ[$key]=$(tail -n 1 "$work/$(basename "$cur_mnt").stats" | awk -v n=$((runs + warmup)) '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "total") t = kv[2]; if (kv[1] == "peak_inflight") p = kv[2] }
      printf "%d requests/run, peak %d in flight", t / n, p }')
  fi
  printf '  %-34s %8.3f s   %s   %s\n' "$key" "${T[$key]}" "$*" "${REQ[$key]:-}" >&2
}

if ((quick)); then hot_runs=5 slow_runs=1; else hot_runs=10 slow_runs=2; fi

bench_wait_for_low_load "$me" "$max_load" 600 || true
load_start=$(bench_loadavg)
echo "$me: $(date -u +%FT%TZ), load $load_start, delay ${delay} us" >&2

echo "== local disk, hot cache: $medium" >&2
measure hot.names.dsls "$hot_runs" 3 "$dsls" "$medium"
measure hot.names.find "$hot_runs" 3 find "$medium"
measure hot.names.fdfind "$hot_runs" 3 fdfind -u . "$medium"
measure hot.names.lsR "$hot_runs" 3 ls -R "$medium"
measure hot.names.python "$hot_runs" 1 "$py" "$here/pywalk.py" "$medium"
measure hot.long.dsls "$hot_runs" 3 "$dsls" -l "$medium"
measure hot.long.find "$hot_runs" 3 find "$medium" -printf '%s %p\n'
measure hot.long.lslR "$hot_runs" 3 ls -lR "$medium"
measure hot.long.python "$hot_runs" 1 "$py" "$here/pywalk.py" --stat "$medium"

echo "== latfs ${delay} us, names: $mnt_medium" >&2
cur_mnt=$mnt_medium
measure lat.names.dsls 3 1 "$dsls" "$mnt_medium"
measure lat.names.dsls_j64 3 1 "$dsls" -j 64 "$mnt_medium"
measure lat.names.dsls_j256 3 1 "$dsls" -j 256 "$mnt_medium"
measure lat.names.fdfind "$slow_runs" 0 fdfind -u . "$mnt_medium"
measure lat.names.find "$slow_runs" 0 find "$mnt_medium"
measure lat.names.lsR "$slow_runs" 0 ls -R "$mnt_medium"
measure lat.names.python "$slow_runs" 0 "$py" "$here/pywalk.py" "$mnt_medium"

echo "== latfs ${delay} us, sizes: $mnt_small" >&2
cur_mnt=$mnt_small
measure lat.long.dsls 3 1 "$dsls" -l "$mnt_small"
measure lat.long.dsls_j64 3 1 "$dsls" -l -j 64 "$mnt_small"
measure lat.long.dsls_j256 3 1 "$dsls" -l -j 256 "$mnt_small"
measure lat.long.dsls_cached 3 1 "$dsls" -l --cached-attrs "$mnt_small"
measure lat.long.find "$slow_runs" 0 find "$mnt_small" -printf '%s %p\n'
if ((!quick)); then
  measure lat.long.python 1 0 "$py" "$here/pywalk.py" --stat "$mnt_small"
  measure lat.long.lslR 1 0 ls -lR "$mnt_small"
fi

echo "== peak RSS, 1,000,000 files: $million" >&2
rss_key() {  # KEY CMD... : peak RSS in MiB (GNU time's %M), after one run that warms the cache
  local k=$1
  shift
  CMD[$k]="$*"
  "$@" >/dev/null 2>&1 || true
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>/dev/null || true
  T[$k]=$(awk '{printf "%.1f", $1 / 1024}' "$work/rss")
  printf '  %-34s %8s MiB  %s\n' "$k" "${T[$k]}" "$*" >&2
}
rss_key rss.dsls "$dsls" "$million"
rss_key rss.dsls_l "$dsls" -l "$million"
rss_key rss.dsls_sort "$dsls" --sort "$million"
rss_key rss.find find "$million"
load_end=$(bench_loadavg)

# ---- table
row() {  # SCENARIO PEER_KEY DSLS_KEY TARGET_RATIO
  local peer=${T[$2]:-nan} mine=${T[$3]:-nan} target=$4 ratio met
  ratio=$(awk -v p="$peer" -v d="$mine" 'BEGIN{ if (d+0 > 0 && p != "nan") printf "%.1fx", p / d; else print "n/a" }')
  if [[ $target == - ]]; then met=-
  else met=$(awk -v r="$ratio" -v t="$target" 'BEGIN{ print (r != "n/a" && substr(r, 1, length(r) - 1) + 0 >= t) ? "met" : "NOT met" }'); target="≥ ${target}x"; fi
  local cmd=${CMD[$2]:-}
  cmd=${cmd//$base\//}
  cmd=${cmd//$repo\//}
  # shellcheck disable=SC2016  # literal backticks: Markdown code
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$1" "$cmd" "$peer" "$mine" "$ratio" "$target" "$met"
}
{
  echo "Date: $(date -u +%FT%TZ); load average at start $load_start, at end $load_end; latfs delay ${delay} us;" \
    "median of hyperfine runs; $not_idle measurement(s) started while other work held the CPUs"
  echo
  echo "| scenario | peer command | peer s | dsls s | peer/dsls | target | |"
  echo "|---|---|---:|---:|---:|---|---|"
  row "hot cache, 280k, names" hot.names.find hot.names.dsls 1.5
  row "hot cache, 280k, names" hot.names.fdfind hot.names.dsls -
  row "hot cache, 280k, names" hot.names.lsR hot.names.dsls -
  row "hot cache, 280k, names" hot.names.python hot.names.dsls -
  row "hot cache, 280k, sizes" hot.long.find hot.long.dsls 1.5
  row "hot cache, 280k, sizes" hot.long.lslR hot.long.dsls -
  row "hot cache, 280k, sizes" hot.long.python hot.long.dsls -
  row "${delay} us mount, 280k, names" lat.names.fdfind lat.names.dsls 10
  row "${delay} us mount, 280k, names" lat.names.find lat.names.dsls -
  row "${delay} us mount, 280k, names" lat.names.lsR lat.names.dsls -
  row "${delay} us mount, 280k, names" lat.names.python lat.names.dsls -
  row "${delay} us mount, 8k, sizes" lat.long.find lat.long.dsls 50
  row "${delay} us mount, 8k, sizes, --cached-attrs" lat.long.find lat.long.dsls_cached 50
  if ((!quick)); then
    row "${delay} us mount, 8k, sizes" lat.long.python lat.long.dsls 100
    row "${delay} us mount, 8k, sizes, --cached-attrs" lat.long.python lat.long.dsls_cached 100
    row "${delay} us mount, 8k, sizes" lat.long.lslR lat.long.dsls -
  fi
  echo
  echo "dsls thread sensitivity on the mount (default = chosen from statfs: 128 on FUSE):"
  echo
  echo "| scenario | default | -j 64 | -j 256 |"
  echo "|---|---:|---:|---:|"
  echo "| 280k names | ${T[lat.names.dsls]} | ${T[lat.names.dsls_j64]} | ${T[lat.names.dsls_j256]} |"
  echo "| 8k sizes (-l) | ${T[lat.long.dsls]} | ${T[lat.long.dsls_j64]} | ${T[lat.long.dsls_j256]} |"
  echo
  echo "FUSE requests per run on the mount (latfs counters):"
  echo
  echo "| command | requests |"
  echo "|---|---|"
  for k in lat.names.dsls lat.names.fdfind lat.names.find lat.long.dsls lat.long.dsls_cached lat.long.find; do
    c=${CMD[$k]:-}
    c=${c//$base\//}
    echo "| \`${c//$repo\//}\` | ${REQ[$k]:-} |"
  done
  echo
  echo "Peak RSS listing 1,000,000 files (MiB): dsls ${T[rss.dsls]} (target ≤ 64: $(awk -v r="${T[rss.dsls]}" 'BEGIN{print (r + 0 <= 64) ? "met" : "NOT met"}')),"\
       "dsls -l ${T[rss.dsls_l]}, dsls --sort ${T[rss.dsls_sort]}, find ${T[rss.find]}"
} | tee "${RESULTS:-/dev/null}"
