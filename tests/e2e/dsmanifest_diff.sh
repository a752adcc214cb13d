# dsmanifest diff: added, removed, modified, renamed, relabeled; text and JSON; exit codes.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/cat ds/dog
for i in 1 2 3 4; do echo "cat $i" > ds/cat/$i.jpg; echo "dog $i" > ds/dog/$i.jpg; done
dsmanifest build ds -o a.tsv
expect_rc "identical" 0 dsmanifest diff a.tsv a.tsv
expect_eq "identical output" "" "$(dsmanifest diff a.tsv a.tsv)"

echo "cat 1 changed" > ds/cat/1.jpg
rm ds/cat/2.jpg
echo fresh > ds/cat/5.jpg
mv ds/dog/3.jpg ds/cat/3-was-dog.jpg
mkdir ds/bird && mv ds/dog/4.jpg "ds/bird/4 moved"$'\t'".jpg"
dsmanifest build ds -o b.tsv
expect_rc "different" 1 dsmanifest diff a.tsv b.tsv > d.txt
expect_eq "diff text" "added	cat/5.jpg
modified	cat/1.jpg	size
removed	cat/2.jpg
renamed	dog/3.jpg	cat/3-was-dog.jpg
renamed	dog/4.jpg	bird/4 moved\\t.jpg" "$(sort d.txt)"

expect_rc "json" 1 dsmanifest diff --json a.tsv b.tsv > d.json
python3 - d.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["identical"] and d["compared_by"] == "hash", d
assert (d["added"], d["removed"], d["modified"], d["renamed"]) == (1, 1, 1, 2), d
r = [c for c in d["changes"] if c["kind"] == "renamed"]
assert {(c["old_path"], c["path"]) for c in r} == {("dog/3.jpg", "cat/3-was-dog.jpg"), ("dog/4.jpg", "bird/4 moved\t.jpg")}, r
PY

# Same content, new label (the label column edited): relabeled.
sed 's/\tcat$/\tfeline/' b.tsv > c.tsv
expect_rc "relabeled" 1 dsmanifest diff b.tsv c.tsv > r.txt
grep -q "^relabeled	cat/1.jpg	cat -> feline$" r.txt || fail "relabel: $(cat r.txt)"

# Different hash algorithms: compared by size and mtime, said on stderr.
dsmanifest build --hash xxh3-64 ds -o b64.tsv
expect_rc "cross-algorithm identical" 0 dsmanifest diff b.tsv b64.tsv 2> x.err
grep -q "size and mtime" x.err || fail "no notice: $(cat x.err)"
expect_rc "missing input" 2 dsmanifest diff a.tsv nope.tsv
echo OK
