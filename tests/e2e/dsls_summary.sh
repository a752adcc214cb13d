# --summary / --summary-depth: rows files<TAB>dirs<TAB>bytes<TAB>path sorted by path, then a total row.
# A directory at the summary depth gets its whole subtree; shallower ones (and the PATH) only their direct
# entries. bytes = apparent sizes of regular files, hard links counted once. Checked against find and du.
. "$(dirname "$0")/lib.sh"

# An ImageFolder-like tree: long-tailed classes, nested folders, links, empty class, hard links.
python3 - <<'PY'
import os
sizes = {"cat": 40, "dog": 12, "zebra": 3, "bird": 1}
for c, n in sizes.items():
    os.makedirs(f"R/train/{c}/extra")
    for i in range(n):
        with open(f"R/train/{c}/{i:04d}.jpg", "wb") as f:
            f.write(b"x" * (1000 + 37 * i))
    with open(f"R/train/{c}/extra/more.png", "wb") as f:
        f.write(b"y" * 333)
os.makedirs("R/train/empty_class")
os.makedirs("R/val/cat")
open("R/val/cat/v.jpg", "wb").write(b"v" * 5000)
open("R/README", "wb").write(b"r" * 77)
open("R/train/labels.csv", "wb").write(b"c" * 123)
os.symlink("cat", "R/train/kitty")
os.link("R/train/cat/0000.jpg", "R/train/cat/extra/hard_same_class.jpg")   # same class: once
os.link("R/train/dog/0000.jpg", "R/train/zebra/hard_other_class.jpg")      # other class: once overall
PY

# Default depth 1: rows for R and for R/train, R/val.
dsls R --summary >got
{
  for d in R $(find R -mindepth 1 -maxdepth 1 -type d | sort); do
    if [ "$d" = R ]; then
      f=$(find R -mindepth 1 -maxdepth 1 ! -type d | wc -l)
      n=$(find R -mindepth 1 -maxdepth 1 -type d | wc -l)
      b=$(find R -mindepth 1 -maxdepth 1 -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s + 0 }')
    else
      f=$(find "$d" -mindepth 1 ! -type d | wc -l)
      n=$(find "$d" -mindepth 1 -type d | wc -l)
      b=$(find "$d" -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s + 0 }')
    fi
    printf '%s\t%s\t%s\t%s\n' "$f" "$n" "$b" "$d"
  done
  f=$(find R -mindepth 1 ! -type d | wc -l)
  n=$(find R -mindepth 1 -type d | wc -l)
  b=$(find R -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s + 0 }')
  printf '%s\t%s\t%s\ttotal\n' "$f" "$n" "$b"
} >want
expect_same_file "--summary vs find" want got

# The total's bytes agree with du (apparent sizes, hard links once) minus what du adds for dirs and links.
du_b=$(du -s --apparent-size -B1 R | cut -f1)
dl_b=$(find R -type d -printf '%s\n' -o -type l -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
expect_eq "total bytes vs du" "$((du_b - dl_b))" "$(tail -1 got | cut -f3)"

# --summary-depth 2: the class folders get their subtrees; R and R/train, R/val only direct entries.
dsls R --summary --summary-depth 2 >got2
python3 - got2 <<'PY'
import os, sys
D = 2
rows, inodes = {}, {}
def group_of(rel_parts):
    k = min(D, len(rel_parts) - 1)
    return "/".join(["R"] + rel_parts[:k])
for top, dirs, files in os.walk("R"):
    rel = [] if top == "R" else os.path.relpath(top, "R").split("/")
    for d in dirs:
        parts = rel + [d]
        if os.path.islink(os.path.join(top, d)):
            files.append(d)
            continue
        rows.setdefault(group_of(parts), [0, 0, 0])[1] += 1
        if len(parts) <= D:
            rows.setdefault("/".join(["R"] + parts), [0, 0, 0])
    for f in files:
        parts = rel + [f]
        g = group_of(parts)
        rows.setdefault(g, [0, 0, 0])[0] += 1
        p = os.path.join(top, f)
        st = os.lstat(p)
        if os.path.isfile(p) and not os.path.islink(p):
            key = (st.st_dev, st.st_ino)
            if key not in inodes or g < inodes[key][0]:
                inodes[key] = (g, st.st_size)
for g, s in inodes.values():
    rows[g][2] += s
want = ["%d\t%d\t%d\t%s" % (r[0], r[1], r[2], p) for p, r in sorted(rows.items(), key=lambda kv: kv[0].encode())]
tot = [sum(r[i] for r in rows.values()) for i in range(3)]
want.append("%d\t%d\t%d\ttotal" % tuple(tot))
got = open(sys.argv[1]).read().splitlines()
assert got == want, "\n".join(["got:"] + got + ["want:"] + want)
PY
grep -qP '^0\t0\t0\tR/train/empty_class$' got2 || fail "empty class folder has no zero row"
grep -qP '^1\t0\t0\tR/train/kitty$' got2 && fail "a symlink got a row"
# the cat row: 40 jpgs + extra/more.png + extra/hard_same_class.jpg, one dir, the hard link counted once
cat_bytes=$(python3 -c 'print(sum(1000 + 37 * i for i in range(40)) + 333)')
expect_eq "cat row" "$(printf '42\t1\t%s\tR/train/cat' "$cat_bytes")" "$(grep -P '\tR/train/cat$' got2)"
# Rows are in byte order of the path, total last.
head -n -1 got2 | cut -f4 >paths
LC_ALL=C sort -c paths || fail "--summary rows not sorted by path"
expect_eq "total row last" total "$(tail -1 got2 | cut -f4)"
# Depth 1 and depth 2 agree on the total.
expect_eq "totals agree across depths" "$(tail -1 got)" "$(tail -1 got2)"

# The same for any thread count.
for j in 1 2 8 64; do
  dsls R --summary --summary-depth 2 -j "$j" >gotj
  expect_same_file "--summary -j $j" got2 gotj
done

# --json summary: one object per row with path, files, dirs, bytes; the total marked as such.
dsls R --summary --json >sum.jsonl
python3 - sum.jsonl got <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
rows = open(sys.argv[2]).read().splitlines()
assert len(recs) == len(rows), (len(recs), len(rows))
for r, line in zip(recs, rows):
    f, d, b, p = line.split("\t")
    assert (r["files"], r["dirs"], r["bytes"]) == (int(f), int(d), int(b)), (r, line)
    if p == "total":
        assert r.get("total") is True, r
    else:
        assert r["path"] == p, (r, p)
PY

# A PATH with a trailing slash: row names still follow the PATH as given, like the listing.
dsls R/ --summary | cut -f4 >paths_slash
expect_eq "trailing slash rows" "$(printf 'R/\nR/train\nR/val\ntotal')" "$(cat paths_slash)"

# Filters apply before summing: -t f counts only regular files.
dsls R --summary -t f >gotf
expect_eq "summary -t f: R/train row" \
  "$(printf '%s\t0\t%s\tR/train' "$(find R/train -type f | wc -l)" \
    "$(find R/train -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')")" \
  "$(grep -P '\tR/train$' gotf)"

# Two PATHs: rows of both, one total.
dsls R/train R/val --summary >got3
expect_eq "two PATHs: row count" "$(( $(find R/train R/val -mindepth 1 -maxdepth 1 -type d | wc -l) + 3 ))" "$(wc -l <got3)"
