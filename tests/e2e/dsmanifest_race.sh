# Walk-then-hash races, forced deterministically: gdb stops dsmanifest where the walk is done and the
# hashing has not started (build_detail::hash_files), the test swaps part of the tree, the run goes on.
# A directory swapped for a link to a tree outside must not get the outside file's hash recorded (build,
# update) nor pass as unchanged (verify --full); a file swapped for a link to /dev/zero must not hang.
. "$(dirname "$0")/lib.sh"
command -v gdb > /dev/null || { echo "gdb not installed: skipped"; exit 0; }
# LeakSanitizer cannot run under ptrace (it aborts): leaks are checked by every other test of the ASan build.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# race WHAT RC SWAP CMD...: runs CMD under gdb, runs the shell command SWAP when the hashing is about to
# start; CMD's output goes to out.WHAT, its standard error to err.WHAT. Fails when the stop was not hit or
# CMD's exit code is not RC.
race() {
  local what=$1 want=$2 swap=$3 prog
  prog=$(command -v "$4")
  shift 4
  # The arguments go with `run` (they replace --args), with the redirections; none holds a space.
  timeout 120 gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'set print thread-events off' \
    -ex 'break dskit::build_detail::hash_files' -ex "run $* > out.$what 2> err.$what" \
    -ex "shell $swap && touch swapped.$what" -ex delete -ex continue -ex 'print $_exitcode' \
    "$prog" > gdb.$what 2>&1 || fail "$what: gdb or the run timed out (a hang): $(tail -3 gdb.$what)"
  grep -q 'hit Breakpoint' gdb.$what || fail "$what: never stopped before the hashing: $(tail -5 gdb.$what)"
  [ -e swapped.$what ] || fail "$what: the swap failed"
  sed -n 's/^\$1 = \([0-9]*\)$/\1/p' gdb.$what > rc.$what
  [ -s rc.$what ] || fail "$what: no exit code: $(tail -3 gdb.$what)"
  expect_eq "$what exit" "$want" "$(cat rc.$what)"
}
# named WHAT MESSAGE: the standard error of the run WHAT holds MESSAGE.
named() { grep -q "$2" err.$1 || fail "$1: error not named: $(cat err.$1)"; }
# The swap that makes the directory a/ a link to the tree outside.
to_outside='mv ds/a ds/a.old && ln -s ../out ds/a'
reset_tree() {
  rm -rf ds out
  mkdir -p ds/a/b out/b
  echo inside > ds/a/b/f
  echo keep > ds/keep
  echo secret > out/b/f
}

# build: the directory a/ becomes a link to ../out between the walk and the hashing.
reset_tree
secret=$(xxhsum -H2 < out/b/f | cut -d' ' -f1)
race build 1 "$to_outside" dsmanifest build ds -o m.tsv
grep -q "$secret" m.tsv && fail "build recorded the hash of a file outside the root"
grep -q '^a/b/f' m.tsv && fail "build listed a/b/f"
grep -q '^keep' m.tsv || fail "build lost keep"
named build 'ds/a/b/f: symbolic link in the path'

# build: the file becomes a link to /dev/zero (it hung at 100% CPU).
reset_tree
race zero 1 'rm ds/a/b/f && ln -s /dev/zero ds/a/b/f' dsmanifest build ds -o z.tsv
named zero 'ds/a/b/f: symbolic link in the path'
expect_eq "zero rows" "keep" "$(tail -n +3 z.tsv | cut -f1)"

# verify --full: the outside tree holds the same bytes, so only reading it would say "OK".
reset_tree
echo inside > out/b/f
dsmanifest build ds -o v.tsv
race verify 1 "$to_outside" dsmanifest verify --full v.tsv
grep -q '^unreadable	a/b/f	.*symbolic link in the path' out.verify || fail "verify: a/b/f not unreadable: $(cat out.verify err.verify)"

# update: a/b/f changed (so it is re-hashed), then its directory is swapped.
reset_tree
dsmanifest build ds -o u.tsv
echo "inside, changed" > ds/a/b/f
race update 1 "$to_outside" dsmanifest update u.tsv
grep -q "$secret" u.tsv && fail "update recorded the hash of a file outside the root"
named update 'ds/a/b/f: symbolic link in the path'

# A file removed between the walk and the hashing: an error naming it, exit 1, not in the manifest.
reset_tree
race gone 1 'rm ds/a/b/f' dsmanifest build ds -o g.tsv
named gone 'ds/a/b/f: No such file or directory (open)'
expect_eq "gone rows" "keep" "$(tail -n +3 g.tsv | cut -f1)"
echo OK
