#!/usr/bin/env bash
# dsbench train's client cost and dsbench's scaling across MPI ranks, in one run on the same data:
#  1. Client cost: a resnet50 dataset (MLPerf Storage sample size, 114660 bytes) held in the page cache,
#     `dsbench train --profile resnet50 --accelerator h100 --buffered`: AU with 8 emulated H100s, and the
#     largest count with AU >= 90% (--find-max). Peer: DLIO is Python and not installable here (no PyPI), so
#     the peer is scripts/bench/train_peer.py, a Python loader built the way DLIO and a PyTorch DataLoader
#     are (reader threads, a bounded prefetch queue, a sleep per batch), searched the same way.
#  2. Scaling: `dsbench randread --data` over the same dataset with 1, 2 and 4 ranks on localhost
#     (mpirun), page cache and O_DIRECT (this VM's disk): aggregate and per-rank figures.
#
#   scripts/bench/dsbench_train_bench.sh [client|scaling]    (default: both)
#
# Environment:
#   BUILD_DIR   where bin/dsbench is (default: build, relative to the repo root)
#   BENCH_DIR   where the dataset is made and reused (default: /tmp/dskit-bench-train)
#   FILES       dataset files (default 4000, ~460 MB)
#   STEPS       steps per accelerator of each trial (default 20)
#   MAX_LOAD    wait (up to 2 min) for the 1-min load average to drop below this (default 1.0)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

me=dsbench_train_bench
build=$(bench_build_dir build)
dsbench=$build/bin/dsbench
base=${BENCH_DIR:-/tmp/dskit-bench-train}
files=${FILES:-4000}
steps=${STEPS:-20}
max_load=${MAX_LOAD:-1.0}
[[ -x $dsbench ]] || bench_die $me 2 "$dsbench missing (cmake --build build --target dsbench)"
bench_need_tools $me openmpi-bin mpirun
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
part=${1:-both}

wait_for_low_load() { bench_wait_for_low_load $me "$max_load" 120 || true; }
json() { python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {}, {"r": r}))' "$1"; }

data=$base/r50
if [[ ! -d $data || $(find "$data" -type f | wc -l) -ne $files ]]; then
  rm -rf "$data"
  mkdir -p "$base"
  "$dsbench" train --prepare "$data" --files "$files" --profile resnet50 --keep --steps 1 --buffered > /dev/null 2>&1
fi
warm() { cat "$data"/* > /dev/null; }

echo "# dsbench train / MPI scaling benchmark"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1e6}' /proc/meminfo)  dataset: $files x 114660 bytes"
if [[ $part != scaling ]]; then
echo
echo "## 1. Client cost: resnet50 on H100 (batch 400, 0.224 s), data in the page cache, $steps steps per accelerator"
wait_for_low_load
warm
l=$(bench_load1)
r=$("$dsbench" train --data "$data" --profile resnet50 --accelerator h100 --buffered --accelerators 8 --steps "$steps" --json 2> /dev/null)
echo "dsbench train, 8 accelerators: AU $(json '"%.2f%%" % (100 * r["au"])' <<< "$r"), $(json '"%.0f samples/s, %.2f GB/s" % (r["samples_per_s"], r["bandwidth_bytes_per_s"] / 1e9)' <<< "$r") (load $l)"
py8=$(python3 "$here/train_peer.py" "$data" 8 400 0.224 "$steps")
echo "Python peer,   8 accelerators: AU $(json '"%.2f%%" % (100 * r["au"])' <<< "$py8"), $(json '"%.0f samples/s, %.2f GB/s" % (r["samples_per_s"], r["bandwidth_bytes_per_s"] / 1e9)' <<< "$py8")"
wait_for_low_load
warm
l=$(bench_load1)
t0=$(date +%s)
fm=$("$dsbench" train --data "$data" --profile resnet50 --accelerator h100 --buffered --find-max --steps "$steps" --max-accelerators 512 --json 2> /dev/null)
t1=$(date +%s)
dmax=$(json 'r["max_accelerators"]' <<< "$fm")
echo "dsbench train --find-max: this client feeds $dmax H100s on resnet50 (AU >= 90%; $((t1 - t0)) s, load $l)"
json '"\n".join("  %4d accelerators: AU %.2f%%  %.0f samples/s" % (t["accelerators"], 100 * (t["au"] or 0), t["samples_per_s"]) for t in r["trials"])' <<< "$fm"
# The peer, searched the same way: double from 1 while AU >= 90%, then bisect.
peer_au() { python3 "$here/train_peer.py" "$data" "$1" 400 0.224 "$steps" | json 'r["au"]'; }
good=0 bad=0 n=1
l=$(bench_load1)
while :; do
  a=$(peer_au $n)
  echo "  peer $n accelerators: AU $(python3 -c "print('%.2f%%' % (100 * $a))")"
  if python3 -c "import sys; sys.exit(0 if $a >= 0.9 else 1)"; then good=$n; ((n >= 512)) && break; n=$((n * 2)); else bad=$n; break; fi
done
while ((bad - good > 1)); do
  mid=$(((good + bad) / 2))
  a=$(peer_au $mid)
  echo "  peer $mid accelerators: AU $(python3 -c "print('%.2f%%' % (100 * $a))")"
  if python3 -c "import sys; sys.exit(0 if $a >= 0.9 else 1)"; then good=$mid; else bad=$mid; fi
done
echo "Python peer: feeds $good H100s on resnet50 (AU >= 90%; load at start $l)"
echo "ratio (dsbench / Python peer accelerators fed): $(python3 -c "print('%.2f' % ($dmax / max($good, 1)))")"
fi
[[ $part == client ]] && exit 0
echo
echo "## 2. Scaling: randread --data over the dataset, 4 threads per rank, 1 MiB blocks (page cache: 5 epochs)"
for mode in buffered direct; do
  flag="--buffered --epochs 5"
  [[ $mode == direct ]] && flag=
  for n in 1 2 4; do
    wait_for_low_load
    [[ $mode == buffered ]] && warm
    l=$(bench_load1)
    # One rank prints the plain report (no "ranks", no "per_rank"): read it as a job of one rank.
    # $flag is split on purpose: two options, or none.
    # shellcheck disable=SC2086
    r=$(timeout 600 mpirun --allow-run-as-root --oversubscribe -np $n "$dsbench" randread --data "$data" $flag --threads 4 --json --per-rank 2> /dev/null)
    echo "$mode, $n rank(s): $(json '"aggregate %.0f files/s, %.1f MB/s, %.3f s (slowest rank %d); per rank: %s" % (r["files"] / r["seconds"], r["bandwidth_bytes_per_s"] / 1e6, r["seconds"], r.get("slowest_rank", 0), ", ".join("%.1f MB/s" % (p["bandwidth_bytes_per_s"] / 1e6) for p in r.get("per_rank", [r])))' <<< "$r") (load $l)"
  done
done
