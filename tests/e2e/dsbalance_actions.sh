# dsbalance actions: merge/drop/map before and after, weights formats, sample weights, resampling, gates.
. "$(dirname "$0")/lib.sh"

mkdir -p ds
make_classes ds --empty cat:40 dog_small:12 dog_big:8 bird:5 noise:3
dsmanifest build --hash none ds -o m.tsv

# Merge with a glob, drop: the table before and after.
dsbalance --merge 'dog_*=dog' --drop noise m.tsv > merged.txt
grep -q '^before:$' merged.txt || fail "before: $(cat merged.txt)"
grep -q '^after:$' merged.txt || fail "after: $(cat merged.txt)"
grep -qE '^dog +20 ' merged.txt || fail "merged dog: $(cat merged.txt)"
grep -qE '^dropped +3$' merged.txt || fail "dropped: $(cat merged.txt)"
dsbalance --json --merge 'dog_*=dog' --drop noise m.tsv | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert {c["name"]: c["count"] for c in d["classes"]} == {"bird": 5, "cat": 40, "dog": 20}, d
assert {c["name"]: c["count"] for c in d["before"]["classes"]} == {"bird": 5, "cat": 40, "dog_big": 8, "dog_small": 12, "noise": 3}, d
assert d["total"] == 65 and d["dropped"] == 3, d'
# A mapping file (old,new; an empty new drops).
printf 'old,new\ndog_small,dog\ndog_big,dog\nnoise,\n' > map.csv
dsbalance --json --map map.csv m.tsv | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert {c["name"]: c["count"] for c in d["classes"]} == {"bird": 5, "cat": 40, "dog": 20}, d'
# A merge that matches nothing is a warning.
dsbalance --merge 'zebra*=horse' m.tsv > /dev/null 2> warn.txt
grep -q "matches no class" warn.txt || fail "unused merge warning: $(cat warn.txt)"

# Weights: each format on its own, checked against python3.
dsbalance --weights balanced --weights-format json m.tsv > w.json
python3 -c '
import json
d = json.load(open("w.json"))
n = {"bird": 5, "cat": 40, "dog_big": 8, "dog_small": 12, "noise": 3}
assert d["method"] == "balanced" and d["classes"] == sorted(n), d
for c, w in zip(d["classes"], d["weights"]):
    assert abs(w - 68 / (5 * n[c])) < 1e-6 * w, (c, w)
assert abs(sum(d["focal_alpha"]) - 1) < 1e-6, d'
dsbalance --weights effective --beta 0.99 --weights-format json m.tsv | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = {"bird": 5, "cat": 40, "dog_big": 8, "dog_small": 12, "noise": 3}
raw = [(1 - 0.99) / (1 - 0.99 ** n[c]) for c in d["classes"]]
want = [r * len(raw) / sum(raw) for r in raw]
assert all(abs(a - b) < 1e-6 * b for a, b in zip(d["weights"], want)), (d, want)'
dsbalance --weights inverse-sqrt --weights-format torch m.tsv > w.py
grep -qE '^weight = torch\.tensor\(\[[0-9., e-]+\]\)$' w.py || fail "torch line: $(cat w.py)"
python3 -c '
import re
w = [float(x) for x in re.search(r"weight = torch.tensor\(\[(.*)\]\)", open("w.py").read()).group(1).split(",")]
assert len(w) == 5 and abs(sum(w) / 5 - 1) < 1e-6, w'
dsbalance --weights inverse --weights-format yaml m.tsv > w.yaml
grep -q '^method: inverse$' w.yaml || fail "yaml method: $(cat w.yaml)"
grep -qE '^  "cat": [0-9.e-]+$' w.yaml || fail "yaml weights: $(cat w.yaml)"
dsbalance --weights balanced m.tsv > all.txt
for h in '# JSON' '# YAML' '# PyTorch'; do grep -qx "$h" all.txt || fail "all formats: $h missing"; done

# Per-entry weights for WeightedRandomSampler.
dsbalance --sample-weights --weights balanced m.tsv -o sw.tsv
python3 -c '
import csv
rows = list(csv.DictReader(open("sw.tsv").read().splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE))
assert len(rows) == 68
w = {r["label"]: float(r["weight"]) for r in rows}
assert abs(w["cat"] - 68 / (5 * 40)) < 1e-5 and abs(w["noise"] - 68 / 15) < 1e-5, w'

# Resampling: caps, a target with repeat counts, determinism, all columns kept.
dsbalance --resample --max-per-class 10 --seed 1 m.tsv -o r1.tsv > r1.txt
grep -qE '^cat +40 +10 +10$' r1.txt || fail "achieved vs requested: $(cat r1.txt)"
dsbalance --resample --max-per-class 10 --seed 1 m.tsv -o r2.tsv > /dev/null
expect_same_file "same seed, same rows" r1.tsv r2.tsv
dsbalance --resample --max-per-class 10 --seed 2 m.tsv -o r3.tsv > /dev/null
cmp -s r1.tsv r3.tsv && fail "another seed gave the same rows"
dsbalance --resample --target 20 --seed 5 --json --merge 'dog_*=dog' m.tsv -o t.tsv > t.json
python3 -c '
import csv, json, collections
rows = list(csv.DictReader(open("t.tsv").read().splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE))
assert set(rows[0]) >= {"path", "size", "mtime_ns", "ino", "label", "repeat"}, rows[0].keys()
got = collections.Counter()
for r in rows: got[r["label"]] += int(r["repeat"])
assert got == {"bird": 20, "cat": 20, "dog": 20, "noise": 20}, got
assert sum(1 for r in rows if r["label"] == "bird") == 5       # oversampled by repeats, not copies
d = json.load(open("t.json"))
assert all(c["achieved"] == c["requested"] == 20 for c in d["classes"]), d
assert d["seed"] == 5 and d["rows_before"] == 68, d'
dsbalance --resample --max-ratio 2 m.tsv -o mr.tsv > /dev/null
python3 -c '
import csv, collections
rows = list(csv.DictReader(open("mr.tsv").read().splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE))
got = collections.Counter(r["label"] for r in rows)
assert got == {"cat": 6, "dog_small": 6, "dog_big": 6, "bird": 5, "noise": 3}, got'
dsmanifest stats r1.tsv > /dev/null   # the output is a valid manifest
# To standard output: the manifest on stdout, the summary on stderr; input from standard input.
dsbalance --resample --max-per-class 10 --seed 1 - -o - < m.tsv > r4.tsv 2> r4.txt
expect_same_file "resample to stdout" r1.tsv r4.tsv
grep -qE '^cat +40 +10 +10$' r4.txt || fail "summary on stderr: $(cat r4.txt)"

# Gates: exit 4 with the reason on stderr; a gate that holds nothing passes.
expect_rc "gate trips" 4 dsbalance --fail-if 'imbalance_ratio>10' --fail-if 'min_count<100' m.tsv > /dev/null 2> gate.txt
grep -q 'imbalance_ratio>10' gate.txt || fail "gate reason: $(cat gate.txt)"
grep -q 'min_count<100' gate.txt || fail "second gate reason: $(cat gate.txt)"
expect_rc "gate holds" 0 dsbalance --fail-if 'imbalance_ratio>50' --fail-if 'classes!=5' m.tsv > /dev/null
expect_rc "gate evenness" 4 dsbalance --json --fail-if 'evenness<0.99' m.tsv > /dev/null 2>&1
echo OK
