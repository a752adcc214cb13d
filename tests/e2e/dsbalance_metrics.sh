# dsbalance: a CIFAR-10-LT-style ImageFolder tree, a manifest of it and a CSV file; metrics against python3.
. "$(dirname "$0")/lib.sh"

make_longtail lt 10 5000 0.01
python3 - <<'PY'
import os
os.makedirs("lt/class2/nested")
open("lt/class2/nested/extra.jpg", "w").close()   # counted recursively (class2: 1797)
os.makedirs("lt/.cache")
open("lt/.cache/x.jpg", "w").close()              # hidden folder: not a class
os.makedirs("lt/zz_empty")                         # an empty class
open("lt/README.txt", "w").close()                # a top-level file: not a class
PY

check_metrics() {  # check_metrics JSON_FILE COUNTS...
  python3 - "$@" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
n = [int(x) for x in sys.argv[2:]]
assert [c["count"] for c in d["classes"]] == n, d["classes"]
total = sum(n)
nz = [x for x in n if x > 0]
k = len(n)
h = -sum(x / total * math.log(x / total) for x in nz)
gini = sum(abs(a - b) for a in n for b in n) / (2 * k * k * (total / k))
want = {"total": total, "imbalance_ratio": max(nz) / min(nz), "entropy": h, "evenness": h / math.log(k),
        "effective_classes": math.exp(h), "gini": gini, "min_count": min(n), "max_count": max(n)}
for key, v in want.items():
    assert abs(d[key] - v) <= 1e-9 * max(1, abs(v)), (key, d[key], v)
PY
}

dsbalance --json lt > if.json
python3 -c '
import json
d = json.load(open("if.json"))
assert d["format"] == "imagefolder", d
assert [c["name"] for c in d["classes"]] == ["class%d" % i for i in range(10)] + ["zz_empty"], d["classes"]
assert d["empty_classes"] == ["zz_empty"] and d["num_classes"] == 11, d
assert d["bands"]["head"] == {"classes": 8, "samples": 12274}, d["bands"]'
check_metrics if.json 5000 2997 1797 1077 645 387 232 139 83 50 0

# The table: a bar of '#' scaled to the widest class, then the metrics.
dsbalance lt > table.txt
grep -qE '^class0 +5000 +40\.30% +#{40}$' table.txt || fail "table: $(head -3 table.txt)"
grep -qE '^zz_empty +0 +0\.00% +\(empty\)$' table.txt || fail "empty class row: $(cat table.txt)"
grep -qE '^imbalance_ratio +100\.00' table.txt || fail "metrics: $(cat table.txt)"

dsbalance --class-to-idx lt > idx.json
python3 -c '
import json
assert json.load(open("idx.json")) == {**{"class%d" % i: i for i in range(10)}, "zz_empty": 10}'

# A class folder may be a symlink to a directory (torchvision follows it); -j does not change the counts.
mkdir -p other/linked && : > other/linked/1.jpg && : > other/linked/2.jpg
mkdir -p lk/real && : > lk/real/a.jpg && ln -s ../other/linked lk/zlink
dsbalance --json -j 1 lk | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [(c["name"], c["count"]) for c in d["classes"]] == [("real", 1), ("zlink", 2)], d["classes"]'
dsbalance --json -j 8 lt | cmp -s - if.json || fail "thread count changed the report"

# The same tree as a manifest (no empty class: a manifest only knows labelled files).
dsmanifest build --hash none --no-hidden lt -o m.tsv
dsbalance --json m.tsv > m.json
python3 -c '
import json
d = json.load(open("m.json"))
assert d["format"] == "manifest" and d["unlabelled"] == 1, d   # README.txt has no label'
check_metrics m.json 5000 2997 1797 1077 645 387 232 139 83 50

# CSV, multi-label, custom columns.
printf 'file,tags\na.jpg,cat|dog\nb.jpg,cat\nc.jpg,"dog|bird"\nd.jpg,\ne.jpg,cat\n' > tags.csv
dsbalance --json --id-column file --label-column tags tags.csv > c.json
python3 -c '
import json
d = json.load(open("c.json"))
assert {c["name"]: c["count"] for c in d["classes"]} == {"bird": 1, "cat": 3, "dog": 2}, d
assert d["multi_label"] and d["unlabelled"] == 1 and d["entries"] == 4, d
assert abs(d["label_cardinality"] - 6 / 4) < 1e-12, d
assert abs(d["mean_ir"] - (3 / 1 + 3 / 3 + 3 / 2) / 3) < 1e-12, d'
dsbalance --csv --id-column file --label-column tags tags.csv > c.csv
expect_eq "csv output" "class,count,share
bird,1,0.166667
cat,3,0.500000
dog,2,0.333333" "$(cat c.csv)"
# A ';' separator: "cat|dog" is then one label.
dsbalance --json --id-column file --label-column tags --separator ';' tags.csv |
  python3 -c 'import json, sys; d = json.load(sys.stdin); assert len(d["classes"]) == 3 and not d["multi_label"], d'
echo OK
