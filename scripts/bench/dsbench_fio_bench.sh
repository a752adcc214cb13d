#!/usr/bin/env bash
# dsbench against fio, in one run, on the same file and directory, with the same settings:
#   1. 4 KiB random reads with O_DIRECT on a 1 GiB file: psync with 4 threads, and io_uring with queue depth 32
#      (targets: dsbench IOPS >= 0.95x fio's, p50 and p99 latency within 10% of fio's);
#   2. checkpoint: 4 writers x 1 GiB, 1 MiB O_DIRECT writes, fsync at the end
#      (fio --rw=write --bs=1M --numjobs=4 --size=1G --end_fsync=1 --direct=1; target: bandwidth >= 0.95x).
# fio and dsbench alternate, RUNS times each; the median of each figure is compared. fio's latency is its
# total latency (lat_ns: submission to completion, as dsbench measures), from --output-format=json.
#
#   scripts/bench/dsbench_fio_bench.sh
#
# Environment:
#   BUILD_DIR   where bin/dsbench is                      (default: build, relative to the repo root)
#   DATA_DIR    where the 1 GiB file and checkpoints go   (default: /work/data-bench; not a tmpfs)
#   RUNS        runs of each side per case                (default 5)
#   DURATION    seconds per random-read run               (default 20)
#   MAX_LOAD    wait (up to 5 min) for the 1-min load average to drop below this (default 1.0)
#   RESULTS     also write the Markdown table to this file
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

me=dsbench_fio_bench
build=$(bench_build_dir build)
dsbench=$build/bin/dsbench
data=${DATA_DIR:-/work/data-bench}
runs=${RUNS:-5}
duration=${DURATION:-20}
max_load=${MAX_LOAD:-1.0}
bench_need_bins dsbench
bench_need_tools $me "apt-get install fio" fio
mkdir -p "$data"
fstype=$(stat -f -c %T "$data")
[[ $fstype == tmpfs ]] && bench_die $me 2 "$data is a tmpfs: use a real disk (DATA_DIR)"

file=$data/fio-dsbench-1g.bin
ckdir=$data/ckpt
work=$(mktemp -d)
cleanup() { rm -rf "$work" "$ckdir"; }
bench_cleanup_on_exit cleanup

if [[ ! -f $file || $(stat -c %s "$file") -ne $((1 << 30)) ]]; then
  echo "$me: writing $file (1 GiB of random bytes)" >&2
  head -c $((1 << 30)) /dev/urandom > "$file.tmp" && mv "$file.tmp" "$file"
fi

# Each run appends one line "tool case iops_or_bw p50_ns p99_ns load" to $work/results.
record() { echo "$*" >> "$work/results"; }

fio_randread() {  # CASE ENGINE JOBS DEPTH
  local out=$work/fio.json
  fio --name=randread --filename="$file" --rw=randread --bs=4k --direct=1 --ioengine="$2" --numjobs="$3" \
    --iodepth="$4" --time_based --runtime="$duration" --group_reporting --lat_percentiles=1 \
    --output-format=json > "$out"
  python3 - "$out" "$1" "$(bench_load1)" >> "$work/results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["jobs"][0]["read"]
p = r["lat_ns"]["percentile"]
print("fio", sys.argv[2], r["iops"], p["50.000000"], p["99.000000"], sys.argv[3])
PY
}

dsbench_randread() {  # CASE ENGINE THREADS DEPTH
  local out=$work/dsbench.json
  "$dsbench" randread --file "$file" --block 4k --engine "$2" --threads "$3" --iodepth "$4" --duration "$duration" \
    --json > "$out"
  python3 - "$out" "$1" "$(bench_load1)" >> "$work/results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("dsbench", sys.argv[2], r["iops"], r["latency_ns"]["p50"], r["latency_ns"]["p99"], sys.argv[3])
PY
}

fio_ckpt() {
  rm -rf "$ckdir" && mkdir -p "$ckdir"
  local out=$work/fio.json
  fio --name=ckpt --directory="$ckdir" --rw=write --bs=1M --numjobs=4 --size=1G --end_fsync=1 --direct=1 \
    --group_reporting --output-format=json > "$out"
  python3 - "$out" "$(bench_load1)" >> "$work/results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["jobs"][0]["write"]
print("fio ckpt", r["bw_bytes"], 0, 0, sys.argv[2])
PY
  rm -rf "$ckdir"
}

dsbench_ckpt() {
  rm -rf "$ckdir" && mkdir -p "$ckdir"
  local out=$work/dsbench.json
  "$dsbench" ckpt --dir "$ckdir" --writers 4 --size 1G --block 1M --fsync --json > "$out"
  python3 - "$out" "$(bench_load1)" >> "$work/results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("dsbench ckpt", r["bandwidth_bytes_per_s"], 0, 0, sys.argv[2])
PY
  rm -rf "$ckdir"
}

bench_wait_for_low_load $me "$max_load" 300 || true
echo "$me: $(date -u +%FT%TZ), $(nproc) cores, $(uname -r), data on $fstype ($data), load $(bench_loadavg)" >&2
for ((r = 1; r <= runs; r++)); do
  echo "$me: run $r/$runs" >&2
  fio_randread psync4 psync 4 1
  dsbench_randread psync4 psync 4 1
  fio_randread uring32 io_uring 1 32
  dsbench_randread uring32 io_uring 1 32
  fio_ckpt
  dsbench_ckpt
done

python3 - "$work/results" "$runs" "$duration" <<'PY' | tee "$work/table"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(tool, case, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == tool and r[1] == case)
loads = [float(r[5]) for r in rows]
print(f"runs: {sys.argv[2]} per side, alternating; random reads {sys.argv[3]} s each; 1-min load during runs {min(loads):.2f}-{max(loads):.2f}")
print()
print("| case | figure | fio | dsbench | ratio | target | met |")
print("|---|---|---:|---:|---:|---|---|")
ok = True
for case, label in (("psync4", "4k randread O_DIRECT, psync, 4 threads"), ("uring32", "4k randread O_DIRECT, io_uring, qd 32")):
    fi, di = med("fio", case, 2), med("dsbench", case, 2)
    met = di / fi >= 0.95
    ok &= met
    print(f"| {label} | IOPS | {fi:.0f} | {di:.0f} | {di/fi:.3f} | >= 0.95 | {'yes' if met else 'NO'} |")
    for col, name in ((3, "p50 latency (us)"), (4, "p99 latency (us)")):
        f, d = med("fio", case, col), med("dsbench", case, col)
        met = abs(d / f - 1) <= 0.10
        ok &= met
        print(f"| | {name} | {f/1e3:.1f} | {d/1e3:.1f} | {d/f:.3f} | within 10% | {'yes' if met else 'NO'} |")
f, d = med("fio", "ckpt", 2), med("dsbench", "ckpt", 2)
met = d / f >= 0.95
ok &= met
print(f"| ckpt 4 writers x 1 GiB, 1 MiB O_DIRECT, fsync | MB/s | {f/1e6:.0f} | {d/1e6:.0f} | {d/f:.3f} | >= 0.95 | {'yes' if met else 'NO'} |")
print()
print("all targets met" if ok else "some targets NOT met")
PY
[[ -n ${RESULTS:-} ]] && cp "$work/table" "$RESULTS"
echo "$me: raw per-run figures:" >&2
cat "$work/results" >&2
