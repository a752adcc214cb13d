# Leakage between splits: identical files (same content hash) in train and val. `split --group-by hash`
# keeps identical content in one split, an unmatched --group-regex is warned about with its count,
# `dsmanifest leaks` lists content shared across splits (checked against a Python computation), and
# `dsbalance --by split --fail-if 'leaked>0'` trips.
. "$(dirname "$0")/lib.sh"
GATE_TRIPPED=4  # a tripped gate (man/dskit.7)

# 30 patients' files in two classes; many files are byte-identical copies across patients (the same
# image filed twice), and a few paths do not follow the patient layout.
for c in cat dog; do mkdir -p "tree/$c"; done
for i in $(seq 0 119); do
  c=$([ $((i % 3)) -eq 0 ] && echo dog || echo cat)
  echo "content $((i % 50))" > "tree/$c/p$((i % 30))_$i.png"
done
echo "stray" > tree/cat/stray.png
echo "stray" > tree/dog/stray-copy.png
printf 'tab' > "tree/cat/with"$'\t'"tab.png"
dsmanifest build tree -o m.tsv --label-regex '^([^/]+)/' 2> /dev/null
M=$(($(wc -l < m.tsv) - 2))

# Group by patient: the copies cross patients, so some content lands in two splits. The 3 paths without a
# patient number are counted in the warning.
err_is "split by patient" 0 "warning: 3 of $M paths did not match --group-regex; they were grouped per file" \
  dsmanifest split m.tsv --ratios 0.6,0.2,0.2 --group-regex '/(p[0-9]+)_' -o byp.tsv
# A regex that matches every path: no warning.
dsmanifest split m.tsv --ratios 0.6,0.2,0.2 --group-regex '^([^/]+)/' -o all.tsv 2> err.txt
[ -s err.txt ] && fail "warning for a regex that matches every path: $(cat err.txt)"

# The Python computation of the leaks of a split manifest: hash -> splits and files.
cat > leaks.py <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[1:-1]
cols = lines[0].split("\t")
hcol = [i for i, c in enumerate(cols) if c.startswith("xxh3") or c in ("blake3", "sha256")][0]
groups = {}
for r in lines[1:]:
    f = r.split("\t")
    groups.setdefault(f[hcol], []).append((f[cols.index("split")], f[cols.index("path")]))
out = []
for h in sorted(groups):
    splits = []
    for s, _ in groups[h]:
        if s not in splits:
            splits.append(s)
    if len(splits) > 1:
        out.append((h, groups[h]))
if sys.argv[2] == "json":
    doc = json.load(open(sys.argv[3]))
    assert doc["leaked_contents"] == len(out), (doc["leaked_contents"], len(out))
    assert doc["leaked_files"] == sum(len(f) for _, f in out)
    assert [g["hash"] for g in doc["leaks"]] == [h for h, _ in out]
    for g, (h, files) in zip(doc["leaks"], out):
        assert sorted(g["splits"]) == sorted({s for s, _ in files}), (g, files)
        assert [(x["split"], x["path"]) for x in g["files"]] == files, (g, files)
    print(len(out))
else:
    text = ""
    for h, files in out:
        order = sorted({s for s, _ in files}, key=lambda s: [r.split("\t")[cols.index("split")] for r in lines[1:]].index(s))
        text += h + "\t" + ",".join(order) + "\n" + "".join(f"  {s}\t{p}\n" for s, p in files)
    text += f"leaks\t{len(out)} contents in several splits, {sum(len(f) for _, f in out)} files\n"
    sys.stdout.write(text)
PY

# leaks on the per-patient split: exit 1 (differences found), text and JSON as computed in Python.
expect_rc "leaks found" 1 dsmanifest leaks byp.tsv -o leaks.txt
python3 leaks.py byp.tsv text > want.txt
expect_same_file "leaks text" want.txt leaks.txt
expect_rc "leaks --json" 1 dsmanifest leaks byp.tsv --json -o leaks.json
n=$(python3 leaks.py byp.tsv json leaks.json)
[ "$n" -gt 0 ] || fail "the per-patient split leaked nothing (the test would prove nothing)"

# The dsbalance gate on the same manifest: trips, and names the metric's value.
err_is "leaked gate" "$GATE_TRIPPED" "gate tripped: leaked $(python3 -c 'import json; print(json.load(open("leaks.json"))["leaked_files"])') > 0$" \
  dsbalance byp.tsv --by split --fail-if 'leaked>0'

# --group-by hash: identical content always in one split, so no leak and the gate holds.
dsmanifest split m.tsv --ratios 0.6,0.2,0.2 --group-by hash -o byh.tsv
expect_rc "no leaks with --group-by hash" 0 dsmanifest leaks byh.tsv -o none.txt
expect_eq "no leaks listed" "leaks	0 contents in several splits, 0 files" "$(cat none.txt)"
expect_eq "no leaks in python" 0 "$(dsmanifest leaks byh.tsv --json | python3 leaks.py byh.tsv json /dev/stdin)"
expect_rc "leaked gate holds" 0 dsbalance byh.tsv --by split --fail-if 'leaked>0' > report.txt
# --out-dir parts agree with the column.
dsmanifest split m.tsv --ratios 0.6,0.2,0.2 --group-by hash --out-dir parts
for s in train val test; do
  expect_eq "part $s" "$(awk -F'\t' -v s=$s 'NR>2 && $NF==s' byh.tsv | wc -l)" "$(($(wc -l < parts/$s.tsv) - 2))"
done

# Errors: no hash column for --group-by hash, leaks and the gate; --group-by with --group-regex.
dsmanifest build tree --hash none -o nohash.tsv 2> /dev/null
err_is "group-by hash without hashes" 2 "needs a hash column" dsmanifest split nohash.tsv --ratios 0.5,0.5 --group-by hash
err_is "bad --group-by" 2 "group-by" dsmanifest split m.tsv --ratios 0.5,0.5 --group-by label
err_is "--group-by with --group-regex" 2 "excludes" dsmanifest split m.tsv --ratios 0.5,0.5 --group-by hash --group-regex x
dsmanifest split nohash.tsv --ratios 0.5,0.5 -o nohash-split.tsv
err_is "leaks without hashes" 2 "no hash column" dsmanifest leaks nohash-split.tsv
err_is "leaks without a split column" 2 "no 'split' column" dsmanifest leaks m.tsv
err_is "leaked gate without hashes" 2 "'leaked' gate needs" dsbalance nohash-split.tsv --by split --fail-if 'leaked>0'
echo ok
