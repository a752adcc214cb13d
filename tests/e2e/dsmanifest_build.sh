# dsmanifest build: file set against find, every hash against xxhsum -H2/-H3, labels, filters, determinism.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/cat ds/dog/sub ds/.hidden "ds/odd dir"
for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom > ds/cat/$i.jpg; done
head -c 3000000 /dev/urandom > ds/dog/big.jpg   # larger than the 1 MiB read buffer
: > ds/dog/empty.jpg
echo same > ds/dog/sub/dup.png
echo same > ds/top.txt
echo h > ds/.hidden/h.jpg
printf x > "ds/odd dir/tab"$'\t'"and"$'\n'"newline"
printf y > 'ds/odd dir/back\slash, "quotes"'
printf z > "ds/odd dir/latin1-"$'\xe9\xff'
printf w > "ds/odd dir/caf"$'\xc3\xa9'" ü 🐈"
ln -s cat/1.jpg ds/link.jpg
mkfifo ds/fifo

dsmanifest build ds -o m.tsv
head -1 m.tsv | grep -q "^#dskit-manifest v1"$'\t'"root=$T/ds"$'\t'"hash=xxh3-128" || fail "metadata line: $(head -1 m.tsv)"
expect_eq header "path	size	mtime_ns	ino	xxh3_128	label" "$(sed -n 2p m.tsv)"

# The file set equals find's regular files (symlinks and the fifo left out), byte-exact names.
dsmanifest convert m.tsv --to paths0 --relative | sort -z > got.lst
(cd ds && find . -type f -printf '%P\0') | sort -z > want.lst
expect_same_file "file set" want.lst got.lst

# Every hash, size and mtime against xxhsum and stat, through a Python reader of the format.
cat > check.py <<'PY'
import os, re, subprocess, sys
_ESC = {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r"}
def unescape(field: bytes) -> bytes:
    return re.sub(rb"\\(x[0-9a-fA-F]{2}|[\\tnr])",
                  lambda m: bytes([int(m[1][1:], 16)]) if m[1][:1] == b"x" else _ESC[m[1]], field)
manifest, flag, col = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(manifest, "rb").read().split(b"\n")
meta = dict(f.split(b"=", 1) for f in lines[0].split(b"\t")[1:])
root = unescape(meta[b"root"])
hdr = lines[1].split(b"\t")
n = 0
for line in lines[2:]:
    if not line: continue
    row = dict(zip(hdr, line.split(b"\t")))
    p = os.path.join(root, unescape(row[b"path"]))
    st = os.stat(p)
    assert int(row[b"size"]) == st.st_size, p
    assert int(row[b"mtime_ns"]) == st.st_mtime_ns, p
    assert int(row[b"ino"]) == st.st_ino, p
    out = subprocess.run(["xxhsum", flag, "--", p], capture_output=True, check=True).stdout
    want = out.split()[0] if flag == "-H2" else out.rstrip(b"\n").split(b" = ")[-1]
    assert row[col.encode()] == want, (p, row[col.encode()], want)
    n += 1
print(n)
PY
expect_eq "xxh3-128 entries" 12 "$(python3 check.py m.tsv -H2 xxh3_128)"
dsmanifest build --hash xxh3-64 ds -o m64.tsv
expect_eq "xxh3-64 entries" 12 "$(python3 check.py m64.tsv -H3 xxh3_64)"
dsmanifest build --hash none ds -o m0.tsv
expect_eq "hash none header" "path	size	mtime_ns	ino	label" "$(sed -n 2p m0.tsv)"
grep -q $'\t'"hash=none" m0.tsv || fail "hash=none not recorded"

# The Python csv module reads it with the documented call: every row has every column.
python3 - m.tsv <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    fh.readline()
    rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
assert len(rows) == 12, len(rows)
assert all(None not in r and len(r) == 6 for r in rows)
assert {r["label"] for r in rows} == {"", "cat", "dog", "odd dir", ".hidden"}, {r["label"] for r in rows}
assert any(r["path"] == "odd dir/tab\\tand\\nnewline" for r in rows)
PY
if python3 -c 'import pandas' 2>/dev/null; then
  python3 - m.tsv <<'PY'
import csv, sys, pandas as pd
df = pd.read_csv(sys.argv[1], sep="\t", skiprows=1, quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
assert len(df) == 12 and list(df.columns) == ["path", "size", "mtime_ns", "ino", "xxh3_128", "label"]
PY
else
  echo "pandas not installed: pandas check skipped"
fi

# Labels: ImageFolder default, depth, regex, CSV, none.
labels() { tail -n +3 "$1" | awk -F'\t' '{print $1 "=" $NF}' | sort; }
expect_eq "folder label" "cat/1.jpg=cat" "$(labels m.tsv | grep '^cat/1.jpg')"
expect_eq "top-level file has no label" "top.txt=" "$(labels m.tsv | grep '^top.txt')"
dsmanifest build --label-depth 2 ds -o d2.tsv
expect_eq "depth 2" "dog/sub/dup.png=sub|dog/big.jpg=" "$(labels d2.tsv | grep -E '^dog/(sub/dup|big)' | sort -r | paste -sd'|')"
dsmanifest build --label-regex '^[a-z]+/([0-9])\.jpg$' ds -o re.tsv
expect_eq "regex" "cat/2.jpg=2|dog/big.jpg=" "$(labels re.tsv | grep -E '^(cat/2|dog/big)' | paste -sd'|')"
printf 'id,label\ncat/1.jpg,kitten\n"odd dir/back\\slash, ""quotes""",weird\n' > labels.csv
dsmanifest build --labels labels.csv ds -o csv.tsv
expect_eq "csv label" "kitten" "$(labels csv.tsv | grep '^cat/1.jpg' | cut -d= -f2)"
expect_eq "csv quoted id" "weird" "$(labels csv.tsv | grep '^odd dir/back' | cut -d= -f2)"
expect_eq "csv absent id" "cat/2.jpg=" "$(labels csv.tsv | grep '^cat/2.jpg')"
dsmanifest build --no-labels ds -o nl.tsv
expect_eq "no labels" "path	size	mtime_ns	ino	xxh3_128" "$(sed -n 2p nl.tsv)"
expect_rc "two label modes" 2 dsmanifest build --no-labels --label-depth 2 ds
expect_rc "bad regex" 2 dsmanifest build --label-regex '(' ds
expect_rc "bad hash" 2 dsmanifest build --hash md5 ds

# Filters as dsls: --name, --no-hidden, --exclude, against find.
dsmanifest build --name '*.jpg' --no-hidden --exclude sub ds -o f.tsv
dsmanifest convert f.tsv --to paths0 --relative | sort -z > got.lst
(cd ds && find . -name '.?*' -prune -o -name sub -prune -o -type f -name '*.jpg' -printf '%P\0') | sort -z > want.lst
expect_same_file "filtered file set" want.lst got.lst
grep -q $'\t'"no_hidden=1" f.tsv || fail "selection not recorded"

# The same bytes for any thread count; stdout when no -o.
dsmanifest build -j 1 ds > j1.tsv
dsmanifest build -j 7 ds > j7.tsv
expect_same_file "-j 1 vs -j 7" j1.tsv j7.tsv
expect_same_file "stdout vs -o" m.tsv j1.tsv

# A relative DIR is recorded as an absolute root; a missing DIR is a usage error.
(cd ds && dsmanifest build . -o ../rel.tsv)
head -1 rel.tsv | grep -q "root=$T/ds"$'\t' || fail "relative root: $(head -1 rel.tsv)"
expect_rc "missing dir" 2 dsmanifest build nope -o x.tsv
[ ! -e x.tsv ] || fail "output written for a missing dir"

# The manifest itself is never listed when written inside the tree (build, update, verify).
mkdir -p self/a && echo x > self/a/1
(cd self && dsmanifest build . -o m.tsv && dsmanifest build . -o m.tsv && dsmanifest verify m.tsv 2>/dev/null &&
  echo y > a/2 && dsmanifest update -q m.tsv && dsmanifest verify a/../m.tsv 2>/dev/null)
expect_eq "self excluded" "a/1 a/2" "$(tail -n +3 self/m.tsv | cut -f1 | paste -sd' ')"
echo OK
