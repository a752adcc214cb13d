#!/usr/bin/env bash
# The Python package (issue 14) against its peers, in one run, on the same data:
#   - on a latfs mount adding a round trip (default 1 ms) to every metadata call, over the 280,000-file tree:
#     torchvision DatasetFolder vs dskit.torch.DatasetFolder construction (same classes and samples, checked by
#     digest), os.walk vs dskit.walk (files counted, an Entry per file; and Walk.count());
#   - sampler memory at 100M samples: DistributedSampler's per-epoch index list vs EpochSampler, and the cost
#     per index against torch.randperm;
#   - a 1,000,000-row manifest: dskit.Manifest load time and memory vs pandas.read_csv, and what 4 forked
#     DataLoader-style workers reading every row copy of it vs of a list of (path, class) tuples
#     (python_fork_share.py).
# Each measurement runs in a fresh interpreter (python_peer.py); prints a Markdown table with ratios.
#
#   scripts/bench/python_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/latfs, bin/dsmanifest and python/dskit are  (default: build)
#   DSKIT_BENCH_DIR  where the trees are made and reused                   (default: /tmp/dskit-bench)
#   DELAY_US         latfs round trip in microseconds                      (default: 1000)
#   MAX_LOAD         wait (up to 10 min) for the 1-min load average to fall below this (default 0.7)
# --quick: the 8,000-file tree instead of the 280,000-file one, 10M samples instead of 100M.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup python_bench build /tmp/dskit-bench 0.7 "$@"
delay=${DELAY_US:-1000}
py=/usr/bin/python3
bench_need_exec "$me" "build with scripts/build.sh build" "$build/bin/latfs" "$build/bin/dsmanifest"
[[ -f $build/python/dskit/__init__.py ]] || bench_die "$me" 2 "$build/python/dskit missing: build with pybind11-dev"
bench_need_tools "$me" "apt-get install fuse3 python3-torch python3-torchvision python3-pandas" fusermount3 "$py"
export PYTHONPATH=$build/python

tree=medium samples=100000000
((quick)) && tree=small samples=10000000
"$py" "$here/mktree.py" --base "$base" "$tree" >/dev/null
src=$base/$tree mnt=$base/mnt-py-$tree
work=$(mktemp -d)
cleanup() {
  bench_latfs_unmount "$mnt"
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup
bench_latfs_mount "$me" "$build/bin/latfs" "$src" "$mnt" "$delay"

# A manifest of 1,000,000 rows: what is measured is loading the rows, so they are written directly (a
# dsmanifest build of the medium tree, repeated with distinct paths), checked by dsmanifest stats.
manifest=$base/rows-1m.tsv
if [[ ! -s $manifest ]]; then
  "$build/bin/dsmanifest" build "$src" -o "$work/medium.tsv"
  "$py" - "$work/medium.tsv" "$manifest" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src).read().split("\n")
meta, header, rows = lines[0], lines[1], [l for l in lines[2:] if l]
with open(dst + ".tmp", "w") as out:
    out.write(meta + "\n" + header + "\n")
    n = 0
    while n < 1_000_000:
        for r in rows:
            if n == 1_000_000:
                break
            out.write(f"copy{n // len(rows)}/" + r + "\n")
            n += 1
import os
os.replace(dst + ".tmp", dst)
PY
  "$build/bin/dsmanifest" stats "$manifest" | grep -q '1000000' || bench_die "$me" 1 "$manifest: not 1,000,000 rows"
fi

bench_wait_for_low_load "$me" "$max_load" 600 || true
echo "$me: $(date -u +%FT%TZ), load $(bench_loadavg), delay ${delay} us, tree $src" >&2

declare -A S U R C D
run() {  # KEY WHAT ARG: one measurement -> S (seconds), U (CPU seconds), R (RSS MB), C (count), D (digest)
  local out
  out=$("$py" "$here/python_peer.py" "$2" "$3")
  read -r "S[$1]" "U[$1]" "R[$1]" "C[$1]" "D[$1]" < <("$py" -c '
import json, sys
o = json.loads(sys.argv[1])
print(o["seconds"], o["cpu_s"], o["rss_mb"], o["count"], o.get("digest", "-"))' "$out")
  printf '  %-22s %10.3f s  cpu %8.3f s  %8.1f MB  count %s\n' "$1" "${S[$1]}" "${U[$1]}" "${R[$1]}" "${C[$1]}" >&2
}
ratio() { "$py" -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.1fx" % (a / b if b else float("inf")))' "$1" "$2"; }

# Each peer reads the mount cold: the FUSE mount is remounted before each measurement (the kernel's
# attribute and dentry caches for it are dropped with it).
remount() { bench_latfs_mount "$me" "$build/bin/latfs" "$src" "$mnt" "$delay"; }
remount; run df.torchvision datasetfolder-torchvision "$mnt"
remount; run df.dskit datasetfolder-dskit "$mnt"
remount; run walk.os walk-os "$mnt"
remount; run walk.dskit walk-dskit "$mnt"
remount; run walk.count walk-dskit-count "$mnt"
[[ ${C[df.torchvision]} == "${C[df.dskit]}" ]] || bench_die "$me" 1 "DatasetFolder sample counts differ"
[[ ${D[df.torchvision]} == "${D[df.dskit]}" ]] || bench_die "$me" 1 "DatasetFolder classes or samples differ"
[[ ${C[walk.os]} == "${C[walk.count]}" ]] || bench_die "$me" 1 "walk file counts differ (count())"
[[ ${C[walk.os]} == "${C[walk.dskit]}" ]] || bench_die "$me" 1 "walk file counts differ"
run sampler.distributed sampler-distributed "$samples"
run sampler.epoch sampler-epoch "$samples"
run randperm randperm "$samples"
run manifest.pandas manifest-pandas "$manifest"
run manifest.dskit manifest-dskit "$manifest"

cat <<TABLE
| measurement | peer | dskit | ratio |
|---|---|---|---|
| DatasetFolder on latfs ${delay} us, ${C[df.dskit]} files (CPU) | torchvision ${S[df.torchvision]} s (${U[df.torchvision]} s) | ${S[df.dskit]} s (${U[df.dskit]} s) | $(ratio "${S[df.torchvision]}" "${S[df.dskit]}") |
| walk counting files on latfs (CPU) | os.walk ${S[walk.os]} s (${U[walk.os]} s) | dskit.walk ${S[walk.dskit]} s (${U[walk.dskit]} s) | $(ratio "${S[walk.os]}" "${S[walk.dskit]}") |
| the same with Walk.count() (CPU) | os.walk ${S[walk.os]} s | ${S[walk.count]} s (${U[walk.count]} s) | $(ratio "${S[walk.os]}" "${S[walk.count]}") |
| sampler memory, $samples samples | DistributedSampler ${R[sampler.distributed]} MB | EpochSampler ${R[sampler.epoch]} MB | $(ratio "${R[sampler.distributed]}" "${R[sampler.epoch]}") |
| first 1M indices of an epoch | DistributedSampler ${S[sampler.distributed]} s (randperm alone ${S[randperm]} s) | EpochSampler ${S[sampler.epoch]} s | $(ratio "${S[sampler.distributed]}" "${S[sampler.epoch]}") |
| load a 1,000,000-row manifest | pandas.read_csv ${S[manifest.pandas]} s, ${R[manifest.pandas]} MB | dskit.Manifest ${S[manifest.dskit]} s, ${R[manifest.dskit]} MB | $(ratio "${S[manifest.pandas]}" "${S[manifest.dskit]}") time, $(ratio "${R[manifest.pandas]}" "${R[manifest.dskit]}") memory |
TABLE
echo
"$py" "$here/python_fork_share.py" "$manifest" 4
echo "$me: load at the end $(bench_loadavg)" >&2
