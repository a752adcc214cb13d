# Golden-output tests (as bfs does with .out files): the real binaries' deterministic text reports on fixed
# inputs, compared byte for byte with the files in tests/golden/. A mismatch fails with a `diff -u` (golden
# file first, this run's output second).
#
# To regenerate the golden files on purpose (after a deliberate change of an output), run
#   DSKIT_UPDATE_GOLDEN=1 DSKIT_BIN=build/bin DSKIT_SRC=. bash tests/e2e/golden.sh
# and review `git diff tests/golden/` before committing. See tests/golden/README.md.
#
# The inputs are made here, the same every time: fixed contents, sizes and mtimes (`touch -d`), the dataset
# under a fixed name; the temporary directory's path is replaced by @ROOT@ in the outputs, and dsls output is
# sorted (--sort). Inode numbers, which no report prints, are the only thing that differs between runs.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?DSKIT_SRC must point to the source tree (ctest sets it)}"
GOLDEN="$DSKIT_SRC/tests/golden"
update=${DSKIT_UPDATE_GOLDEN:-0}
mismatches=0

# golden NAME WANT_RC CMD...: CMD's standard output (the temporary path as @ROOT@) against GOLDEN/NAME, and
# its exit status against WANT_RC.
golden() {
  local name=$1 want=$2 rc
  shift 2
  capture out.raw "$@"
  [ "$rc" -eq "$want" ] || fail "$name: $* exited $rc, expected $want: $(head -c 400 err.txt)"
  sed "s|$T|@ROOT@|g" out.raw > "out.$name"
  if [ "$update" = 1 ]; then
    cp "out.$name" "$GOLDEN/$name"
    echo "updated tests/golden/$name"
  elif [ ! -f "$GOLDEN/$name" ]; then
    echo "FAIL: tests/golden/$name is missing (DSKIT_UPDATE_GOLDEN=1 makes it)" >&2
    mismatches=$((mismatches + 1))
  elif ! diff -u --label "tests/golden/$name" --label "$* (this run)" "$GOLDEN/$name" "out.$name" >&2; then
    echo "FAIL: $name differs from tests/golden/$name (above)" >&2
    mismatches=$((mismatches + 1))
  fi
}

# mkfile PATH TEXT: a file holding TEXT, then its mtime fixed.
mkfile() {
  mkdir -p "$(dirname "$1")"
  printf '%s' "$2" > "$1"
}
fix_times() { find "$1" -exec touch -h -d '2024-03-01 12:00:00 UTC' {} +; }

# ---- The dataset: an ImageFolder tree of 4 classes, uneven, with duplicate contents and sizes to spread the
# percentiles.
for i in 1 2 3 4 5 6 7 8; do mkfile "ds/cat/c$i.jpg" "cat image $i $(printf '%*s' $((i * 37)) '')"; done
for i in 1 2 3; do mkfile "ds/dog/d$i.jpg" "dog image $i $(printf '%*s' $((i * 300)) '')"; done
mkfile ds/dog/d4.jpg "cat image 1 $(printf '%*s' 37 '')"  # the same bytes as cat/c1.jpg
mkfile ds/bird/b1.jpg "bird"
mkfile "ds/fish/deep/f1.jpg" "fish $(printf '%*s' 5000 '')"
mkfile "ds/fish/f2.jpg" "fish 2"
mkdir -p ds/empty_class
fix_times ds

dsmanifest build ds -o m1.tsv 2> /dev/null
dsmanifest split --ratios 0.5,0.25,0.25 m1.tsv -o split.tsv 2> /dev/null

golden dsmanifest_stats.out 0 dsmanifest stats m1.tsv
golden dsmanifest_stats.json 0 dsmanifest stats --json m1.tsv
golden dsmanifest_verify_ok.out 0 dsmanifest verify m1.tsv
golden dsmanifest_verify_ok.json 0 dsmanifest verify --json m1.tsv

golden dsbalance.out 0 dsbalance m1.tsv
golden dsbalance.json 0 dsbalance --json m1.tsv
golden dsbalance.csv 0 dsbalance --csv m1.tsv
golden dsbalance_by_split.out 0 dsbalance --by split split.tsv
golden dsbalance_by_split.json 0 dsbalance --by split --json split.tsv
golden dsbalance_by_split_gates.json 4 dsbalance --by split --json --fail-if 'imbalance_ratio>3' --fail-if 'tvd>0.5' split.tsv
golden dsbalance_imagefolder.out 0 dsbalance ds

golden dsls_summary.out 0 dsls --summary --sort -j 1 ds
golden dsls_summary.json 0 dsls --summary --json --sort -j 1 ds
golden dsls_summary_depth2.out 0 dsls --summary --summary-depth 2 --sort -j 1 ds

# ---- The dataset changed: one file rewritten (other size), one rewritten in place (same size, mtime kept:
# only --full sees it), one removed, one added; then a second manifest.
mkfile ds/dog/d2.jpg "dog image 2, rewritten"
touch -d '2024-03-02 08:30:00 UTC' ds/dog/d2.jpg
printf 'CAT image 3' | dd of=ds/cat/c3.jpg conv=notrunc status=none
touch -d '2024-03-01 12:00:00 UTC' ds/cat/c3.jpg
rm ds/cat/c8.jpg
mkfile ds/bird/b2.jpg "another bird"
touch -d '2024-03-03 09:00:00 UTC' ds/bird/b2.jpg ds/bird ds/cat ds/dog

golden dsmanifest_verify.out 1 dsmanifest verify m1.tsv
golden dsmanifest_verify.json 1 dsmanifest verify --json m1.tsv
golden dsmanifest_verify_full.out 1 dsmanifest verify --full m1.tsv
golden dsmanifest_verify_full.json 1 dsmanifest verify --full --json m1.tsv

dsmanifest build ds -o m2.tsv 2> /dev/null
golden dsmanifest_diff.out 1 dsmanifest diff m1.tsv m2.tsv
golden dsmanifest_diff.json 1 dsmanifest diff --json m1.tsv m2.tsv
golden dsmanifest_diff_same.out 0 dsmanifest diff m1.tsv m1.tsv

[ "$update" = 1 ] && exit 0
[ "$mismatches" -eq 0 ] || fail "$mismatches golden file(s) differ (DSKIT_UPDATE_GOLDEN=1 regenerates them on purpose)"
