# dsls on big and deep trees: 60 levels of nesting, 100,000 entries in one directory, empty directories;
# the same --sort output for -j 1, 2, 4, 8, 16, 64; unsorted output is the same set as find's.
. "$(dirname "$0")/lib.sh"

# 100,000 files take seconds to create on a busy disk; a tmpfs (when root may mount one) takes one.
mkdir R
if mount -t tmpfs -o size=512m,mode=755 dskit-e2e R 2>/dev/null; then
  trap 'umount "$T/R" 2>/dev/null || umount -l "$T/R" 2>/dev/null; cleanup' EXIT
else
  echo "note: cannot mount a tmpfs, building the tree on $(df -T . | awk 'NR==2{print $2}')" >&2
fi

python3 - <<'PY'
import os
os.makedirs("R/wide")
for i in range(100000):
    os.close(os.open(f"R/wide/f{i:06d}.jpg", os.O_CREAT | os.O_WRONLY, 0o644))
for i in range(50):
    os.mkdir(f"R/wide/d{i:03d}")
p = "R/deep"
for i in range(60):
    p += f"/level{i:02d}"
os.makedirs(p)
open(p + "/bottom.txt", "w").write("x")
for i in range(20):
    os.makedirs(f"R/empties/e{i}/inner")
PY

find R -mindepth 1 | sort >want
expect_eq "oracle size" 100154 "$(wc -l <want)"

dsls R >got_unsorted
sort got_unsorted >got
expect_same_file "default threads vs find" want got

dsls R --sort -j 1 >ref
expect_same_file "--sort -j 1 vs sorted find" want ref
for j in 2 4 8 16 64; do
  dsls R --sort -j "$j" >"sorted_$j"
  expect_same_file "--sort -j $j vs -j 1" ref "sorted_$j"
done

# Unsorted with many threads: still every entry exactly once.
dsls R -j 64 | sort >got64
expect_same_file "-j 64 unsorted set" want got64

# The 60-level path is there, with its full depth.
grep -q "/level59/bottom.txt\$" ref || fail "deepest file missing"
expect_eq "max depth" 62 "$(awk -F/ '{ if (NF > m) m = NF } END { print m - 1 }' ref)"

# -l on the wide directory with stats spread over workers: sizes and names vs find.
dsls R/wide -l -j 8 | cut -f1,3 | sort >got_l
find R/wide -mindepth 1 -printf '%s\t%p\n' | sort >want_l
expect_same_file "-l -j 8 on 100k entries" want_l got_l

# Empty directories are listed, and nothing below them.
expect_eq "empties" 40 "$(grep -c '^R/empties/' ref)"
