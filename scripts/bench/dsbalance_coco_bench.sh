#!/usr/bin/env bash
# dsbalance on a COCO-style instances JSON of 1,000,000 annotations (~100k images, 80 categories with
# non-contiguous ids): wall time of `dsbalance --json FILE` against a Python json.load + collections.Counter
# script in the same run (target: >= 10x faster), and dsbalance's peak RSS (target: < 3x the file size).
# Prints a Markdown table.
#
#   scripts/bench/dsbalance_coco_bench.sh [--quick]
#
# Environment:
#   BUILD_DIR        where bin/dsbalance is                 (default: build-bench, relative to the repo root)
#   DSKIT_BENCH_DIR  where the JSON is made and reused      (default: /tmp/dskit-bench)
#   ANNOTATIONS      annotations in the file                (default: 1000000)
#   RESULTS          also write the table to this file
# The file is read from the page cache (one warm-up run each): this measures CPU, not storage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$repo/build-bench}
[[ $build = /* ]] || build=$repo/$build
base=${DSKIT_BENCH_DIR:-/tmp/dskit-bench}
n=${ANNOTATIONS:-1000000}
runs=5
[[ ${1:-} == --quick ]] && runs=2

dsb=$build/bin/dsbalance
[[ -x $dsb ]] || { echo "dsbalance_coco_bench: $dsb missing: cmake -S . -B build-bench -G Ninja && ninja -C build-bench" >&2; exit 2; }
for t in python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "dsbalance_coco_bench: $t not found (apt-get install python3 time)" >&2; exit 2; }
done

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
[[ $ours == "$theirs" ]] || { echo "dsbalance_coco_bench: totals differ: dsbalance $ours, python $theirs" >&2; exit 1; }

# best_of CMD...: the best wall time in seconds of $runs runs (after one warm-up).
best_of() {
  "$@" > /dev/null
  local best=""
  for _ in $(seq "$runs"); do
    local t0 t1 dt
    t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
    dt=$(echo "$t1 - $t0" | bc -l)
    if [[ -z $best ]] || (( $(echo "$dt < $best" | bc -l) )); then best=$dt; fi
  done
  printf '%.3f' "$best"
}
t_ds=$(best_of "$dsb" --json "$f")
t_py=$(best_of python3 "$py" "$f")
rss_kb=$(/usr/bin/time -f %M "$dsb" --json "$f" 2>&1 > /dev/null | tail -1)
speedup=$(echo "$t_py / $t_ds" | bc -l)
rss_ratio=$(echo "$rss_kb * 1024 / $size" | bc -l)

table=$(cat <<MD
| measure | dsbalance | python json.load + Counter | target |
|---|---|---|---|
| wall time, best of $runs (s) | $t_ds | $t_py | dsbalance >= 10x faster: $(printf '%.1f' "$speedup")x |
| peak RSS (MiB) | $(( rss_kb / 1024 )) | | < 3x the file: $(printf '%.2f' "$rss_ratio")x |

File: $n annotations, $(( size / 1024 / 1024 )) MiB ($size bytes); annotations counted by both: $ours.
MD
)
echo "$table"
[[ -n ${RESULTS:-} ]] && echo "$table" > "$RESULTS"
exit 0
