#!/usr/bin/env bash
# dsbalance on a COCO-style instances JSON of 1,000,000 annotations (~100k images, 80 categories with
# non-contiguous ids): wall time of `dsbalance --json FILE` against a Python json.load + collections.Counter
# script in the same run (target: >= 10x faster), and dsbalance's peak RSS (target: < 3x the file size).
# Waits for an idle machine first and prints the load. Prints a Markdown table.
#
#   scripts/bench/dsbalance_coco_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/dsbalance is                 (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the JSON is made and reused      (default: /tmp/dskit-bench)
#   ANNOTATIONS      annotations in the file                (default: 1000000)
#   MAX_LOAD         wait until the 1-min load average is below this (default 1.0)
#   LOAD_WAIT        ... for at most this many seconds, then measure anyway and say so (default 300)
#   RESULTS          also write the table to this file
# The file is read from the page cache (one warm-up run each): this measures CPU and memory, not storage.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dsbalance_coco_bench build-bench /tmp/dskit-bench 1.0 "$@"
n=${ANNOTATIONS:-1000000}
runs=$((quick ? 2 : 5))
load_wait=${LOAD_WAIT:-300}

dsb=$build/bin/dsbalance
bench_need_bins dsbalance
bench_need_tools "$me" "apt-get install python3 time" python3 /usr/bin/time

mkdir -p "$base"
f=$base/coco-instances-$n.json
if [[ ! -s $f ]]; then
  python3 - "$f" "$n" <<'PY'
import json, random, sys
path, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
ids = [i for i in range(1, 91) if i not in (12, 26, 29, 30, 45, 66, 68, 69, 71, 83)]  # COCO's 80 ids
cats = [{"id": i, "name": f"class_{i}", "supercategory": "thing"} for i in ids]
n_images = max(1, n // 10)
images = [{"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480} for i in range(1, n_images + 1)]
weights = [1.0 / (k + 1) for k in range(len(ids))]  # long-tailed
cat_ids = random.choices(ids, weights=weights, k=n)
with open(path, "w") as out:
    out.write('{"info":{"description":"dskit bench"},"licenses":[],"images":')
    json.dump(images, out)
    out.write(',"annotations":[')
    for k in range(n):
        x, y = random.random() * 600, random.random() * 440
        a = {"id": k + 1, "image_id": random.randint(1, n_images), "category_id": cat_ids[k],
             "bbox": [round(x, 2), round(y, 2), 20.5, 30.25], "area": 615.0,
             "segmentation": [[round(x, 2), round(y, 2), round(x + 20, 2), round(y, 2), round(x + 20, 2), round(y + 30, 2)]],
             "iscrowd": 1 if k % 100 == 0 else 0}
        out.write(("," if k else "") + json.dumps(a, separators=(",", ":")))
    out.write('],"categories":')
    json.dump(cats, out)
    out.write("}\n")
PY
fi
size=$(stat -c %s "$f")

py=$base/coco_counter.py
cat > "$py" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
names = {c["id"]: c["name"] for c in d["categories"]}
c = collections.Counter(names.get(a["category_id"]) for a in d["annotations"])
print(json.dumps(sorted(c.items(), key=lambda kv: str(kv[0]))))
PY

# Same counts from both.
ours=$("$dsb" --json "$f" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(c["count"] for c in r["classes"]))')
theirs=$(python3 "$py" "$f" | python3 -c 'import json,sys; print(sum(n for _, n in json.load(sys.stdin)))')
[[ $ours == "$theirs" ]] || bench_die "$me" 1 "totals differ: dsbalance $ours, python $theirs"

idle=yes
bench_wait_for_low_load "$me" "$max_load" "$load_wait" || idle=no
load_start=$(bench_loadavg)
echo "$me: $(date -u +%FT%TZ), load $load_start" >&2
"$dsb" --stats --json "$f" 2>&1 > /dev/null | grep 'stats:' >&2 || true

# One warm-up run each, then $runs runs of each, interleaved so that both see the same machine; wall times
# from date +%s.%N, the best and the median.
"$dsb" --json "$f" > /dev/null
python3 "$py" "$f" > /dev/null
now() { date +%s.%N; }
declare -a T_DS T_PY
for _ in $(seq "$runs"); do
  t0=$(now); "$dsb" --json "$f" > /dev/null; t1=$(now)
  T_DS+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); python3 "$py" "$f" > /dev/null; t1=$(now)
  T_PY+=("$(echo "$t1 - $t0" | bc -l)")
done
best() { printf '%s\n' "$@" | sort -g | head -1 | xargs printf '%.3f'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
t_ds=$(best "${T_DS[@]}"); m_ds=$(median "${T_DS[@]}")
t_py=$(best "${T_PY[@]}"); m_py=$(median "${T_PY[@]}")
# CPU time (user + sys) and peak RSS of one more run each.
read -r u_ds s_ds rss_kb < <(/usr/bin/time -f '%U %S %M' "$dsb" --json "$f" 2>&1 > /dev/null | tail -1)
read -r u_py s_py rss_py_kb < <(/usr/bin/time -f '%U %S %M' python3 "$py" "$f" 2>&1 > /dev/null | tail -1)
load_end=$(bench_loadavg)
ratio() { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }
rss_ratio=$(printf '%.2f' "$(echo "$rss_kb * 1024 / $size" | bc -l)")
cpu_ds=$(printf "%.2f" "$(echo "$u_ds + $s_ds" | bc -l)"); cpu_py=$(printf "%.2f" "$(echo "$u_py + $s_py" | bc -l)")

table=$(cat <<MD
| measure | dsbalance | python json.load + Counter | ratio (target) |
|---|---|---|---|
| wall time, best of $runs (s) | $t_ds | $t_py | $(ratio "$t_py" "$t_ds")x (>= 10x) |
| wall time, median of $runs (s) | $m_ds | $m_py | $(ratio "$m_py" "$m_ds")x |
| CPU time, user + sys, one run (s) | $cpu_ds ($u_ds + $s_ds) | $cpu_py ($u_py + $s_py) | $(ratio "$cpu_py" "$cpu_ds")x |
| peak RSS (MiB) | $((rss_kb / 1024)) | $((rss_py_kb / 1024)) | dsbalance ${rss_ratio}x the file (< 3x) |

File: $n annotations, $((size / 1024 / 1024)) MiB ($size bytes), in the page cache; annotations counted by both: $ours.
Date: $(date -u +%FT%TZ); load average at start $load_start, at end $load_end (below $max_load before measuring: $idle).
MD
)
echo "$table"
[[ -n ${RESULTS:-} ]] && echo "$table" > "$RESULTS"
exit 0
