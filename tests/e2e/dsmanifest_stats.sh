# dsmanifest stats: entries, bytes, percentiles, labels, duplicates; text and JSON.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/cat ds/dog
for i in $(seq 1 10); do head -c $((i * 100)) /dev/zero | tr '\0' "$i" > ds/cat/$i; done
echo dup > ds/dog/a; echo dup > ds/dog/b; echo dup > ds/c
echo other > ds/dog/x
dsmanifest build ds -o m.tsv
dsmanifest stats m.tsv > s.txt
grep -q "^entries	14$" s.txt || fail "entries: $(cat s.txt)"
grep -q "^bytes	5518 " s.txt || fail "bytes: $(cat s.txt)"
grep -q "p50=300	" s.txt || fail "median: $(cat s.txt)"
grep -q "p100=1000$" s.txt || fail "max: $(cat s.txt)"
grep -q "^  cat	10	" s.txt || fail "labels: $(cat s.txt)"
grep -q "^  (none)	1	" s.txt || fail "labels: $(cat s.txt)"
grep -q "^duplicates	1 groups, 2 extra files, 8 B" s.txt || fail "duplicates: $(cat s.txt)"
dsmanifest stats --json m.tsv | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["entries"] == 14 and d["bytes"] == 5518, d
assert d["size_percentiles"]["p0"] == 4 and d["size_percentiles"]["p100"] == 1000, d
assert {l["label"]: l["count"] for l in d["labels"]} == {"": 1, "cat": 10, "dog": 3}, d["labels"]
assert d["duplicates"] == [{"hash": d["duplicates"][0]["hash"], "size": 4, "paths": ["c", "dog/a", "dog/b"]}], d
'
dsmanifest build --no-labels --hash none ds | dsmanifest stats --json - | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["labels"] is None and d["duplicate_groups"] == 0 and d["hash"] == "none", d'
echo OK
