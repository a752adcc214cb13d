# dsmanifest update: after touching, modifying, adding, removing and renaming files the result equals a
# fresh build; an unchanged tree re-hashes nothing; labels and extra columns of kept entries survive.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a ds/b ds/c
for i in $(seq 1 40); do echo "file $i" > ds/a/$i.txt; echo "other $i" > ds/b/$i.bin; done
printf 'odd' > "ds/c/new"$'\n'"line"

for opts in "" "--hash xxh3-64 --label-depth 1 --no-hidden" "--hash none --no-labels"; do
  rm -f m.tsv
  # shellcheck disable=SC2086
  dsmanifest build $opts ds -o m.tsv
  dsmanifest update m.tsv 2> sum.txt
  grep -q "40 unchanged\|80 unchanged\|81 unchanged" sum.txt || fail "unchanged tree ($opts): $(cat sum.txt)"
  grep -q " 0 re-hashed (0 modified), 0 added, 0 removed" sum.txt || fail "unchanged tree ($opts): $(cat sum.txt)"
  # shellcheck disable=SC2086
  dsmanifest build $opts ds -o fresh.tsv
  expect_same_file "unchanged update ($opts)" fresh.tsv m.tsv
done

dsmanifest build ds -o m.tsv
cp m.tsv before.tsv
sleep 0.01
touch ds/a/1.txt                                  # new mtime, same content
echo "changed 2" > ds/a/2.txt                     # new content
echo "brand new" > ds/a/new.txt                   # added
mkdir -p ds/d && echo deep > ds/d/deep.txt        # added, new label
rm ds/b/3.bin                                     # removed
mv ds/b/4.bin ds/c/4-moved.bin                    # renamed (new label too)
mv "ds/c/new"$'\n'"line" "ds/c/renamed"$'\t'"tab" # renamed odd name
# Same size and mtime, new content, new inode (replaced by rename, as editors and rsync do):
cp -p ds/a/5.txt tmp5 && echo "file X" > tmp5 && touch -r ds/a/5.txt tmp5 && mv tmp5 ds/a/5.txt

dsmanifest update m.tsv 2> sum.txt
cat sum.txt >&2
grep -q "update: 75 unchanged, 3 re-hashed (2 modified), 4 added, 3 removed" sum.txt || fail "summary: $(cat sum.txt)"
dsmanifest build ds -o fresh.tsv
expect_same_file "update after changes == fresh build" fresh.tsv m.tsv

# -o leaves the input alone; the diff of the two shows what happened.
dsmanifest update before.tsv -o out.tsv -q
expect_same_file "-o result" fresh.tsv out.tsv
expect_rc "diff finds changes" 1 dsmanifest diff before.tsv out.tsv > diff.txt
grep -q "^renamed	b/4.bin	c/4-moved.bin$" diff.txt || fail "rename not found: $(cat diff.txt)"

# Labels edited by hand and extra columns are kept for entries that stay; new files get the build labels.
python3 - m.tsv <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[1] += b"\tsplit"
for i in range(2, len(lines)):
    if not lines[i]: continue
    cells = lines[i].split(b"\t")
    if cells[0] == b"a/7.txt": cells[5] = b"relabelled"
    lines[i] = b"\t".join(cells) + b"\ttrain"
open(p, "wb").write(b"\n".join(lines))
PY
echo "newer" > ds/a/newer.txt
dsmanifest update -q m.tsv
expect_eq "hand label kept" "relabelled	train" "$(grep '^a/7.txt' m.tsv | cut -f6,7)"
expect_eq "new file labelled, empty extra" "a	" "$(grep '^a/newer.txt' m.tsv | cut -f6,7)"

# In-place update keeps the file's mode.
chmod 640 m.tsv
touch ds/a/9.txt
dsmanifest update -q m.tsv
expect_eq "mode kept" 640 "$(stat -c %a m.tsv)"
echo OK
