# Writers of a manifest take an advisory lock (flock on `.NAME.lock` beside it) for their whole
# read-modify-write: while another process holds it they refuse (exit 5, the manifest untouched), or wait
# with --wait; `update m.tsv` and `split -o m.tsv m.tsv` run together lose neither the new file nor the
# split column. The lock file is not listed in the manifest and is gone afterwards.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a
for i in 1 2 3 4; do echo "f $i" > ds/a/$i; done
dsmanifest build ds -o m.tsv
cp m.tsv orig.tsv

# hold FILE: hold the lock FILE (with flock(1)) until `release` is called (or the test's directory is
# gone, so that a failing test leaves no process behind).
hold() {
  rm -f go
  # shellcheck disable=SC2016
  flock "$1" sh -c 'while [ ! -e "$1/go" ] && [ -d "$1" ]; do sleep 0.05; done' sh "$T" &
  holder=$!
  for _ in $(seq 200); do
    flock -n "$1" true 2> /dev/null || return 0
    sleep 0.05
  done
  fail "flock(1) did not take $1"
}
release() {
  touch go
  wait "$holder"
}
# waiting PID: true once PID is blocked waiting for a flock (a "->" line in /proc/locks names its pid).
waiting() {
  for _ in $(seq 400); do
    grep -q -- "-> FLOCK  ADVISORY  WRITE $1 " /proc/locks && return 0
    kill -0 "$1" 2> /dev/null || return 1
    sleep 0.05
  done
  return 1
}

hold .m.tsv.lock
for cmd in "update m.tsv" "update m.tsv -o m.tsv" "split --ratios 0.5,0.5 -o m.tsv m.tsv" \
  "shuffle --seed 1 -o m.tsv m.tsv" "shard --rank 0 --world 2 -o m.tsv m.tsv" "build ds -o m.tsv"; do
  # shellcheck disable=SC2086
  expect_rc_err "$cmd while locked" 5 dsmanifest $cmd
  grep -q "^dsmanifest: m.tsv: another process is writing this manifest (it holds the lock on .*\.m\.tsv\.lock); try again later, or use --wait" err.txt ||
    fail "$cmd: $(cat err.txt)"
  expect_same_file "$cmd left the manifest alone" orig.tsv m.tsv
done
# Readers and writers of other files are not held up.
dsmanifest stats m.tsv > /dev/null
dsmanifest split --ratios 0.5,0.5 -o other.tsv m.tsv
dsmanifest shuffle --seed 1 m.tsv > /dev/null

# --wait: blocks until the holder is done, then does its work.
dsmanifest split --wait --ratios 0.5,0.5 -o m.tsv m.tsv &
splitter=$!
waiting $splitter || fail "split --wait is not waiting for the lock"
expect_same_file "split --wait wrote while locked" orig.tsv m.tsv
release
wait $splitter || fail "split --wait failed"
head -2 m.tsv | tail -1 | grep -q "	split$" || fail "split --wait: no split column: $(head -2 m.tsv)"
[ ! -e .m.tsv.lock ] || fail "the lock file was left behind"

# The race of the issue: update (with a new file to add) and split -o on the same manifest, both waiting
# for the same holder, then running one after the other: the result has both the new file and the column.
cp orig.tsv m.tsv
echo new > ds/a/5
hold .m.tsv.lock
dsmanifest update --wait -q m.tsv &
updater=$!
dsmanifest split --wait --ratios 0.5,0.5 -o m.tsv m.tsv &
splitter=$!
waiting $updater || fail "update --wait is not waiting"
waiting $splitter || fail "split --wait is not waiting"
release
wait $updater || fail "update failed"
wait $splitter || fail "split failed"
grep -q "^a/5	" m.tsv || fail "the update was lost: $(cat m.tsv)"
head -2 m.tsv | tail -1 | grep -q "	split$" || fail "the split column was lost: $(head -2 m.tsv)"
# (Whichever ran second kept the other's work: split after update gives a/5 a split too, update after
# split keeps the column and leaves the new a/5's cell empty.)
[ "$(tail -n +3 m.tsv | awk -F'\t' '$1 != "a/5" && ($NF == "train" || $NF == "val")' | wc -l)" -eq 4 ] ||
  fail "an entry lost its split: $(cat m.tsv)"

# A manifest inside its dataset: the lock file (like the manifest) is never an entry, and a stale lock
# file left by a killed process (no process holds its lock) does not block.
echo stale > ds/.m.tsv.lock
dsmanifest build ds -o ds/m.tsv
grep -q "lock" ds/m.tsv && fail "the lock file is listed: $(cat ds/m.tsv)"
echo more > ds/a/6
dsmanifest update -q ds/m.tsv
grep -q "^a/6	" ds/m.tsv || fail "update in the root did not run"
grep -q "lock" ds/m.tsv && fail "the lock file is listed after update: $(cat ds/m.tsv)"
[ ! -e ds/.m.tsv.lock ] || fail "the lock file was left behind in the root"

# The lock of a symbolic link's manifest is beside the file it names. (That an output which is not a
# regular file takes no lock is a unit test: writing to a device here would replace it, as root, until
# -o writes such outputs in place.)
mkdir real
cp orig.tsv real/m.tsv
ln -s real/m.tsv link.tsv
hold real/.m.tsv.lock
expect_rc_err "update through a symlink while locked" 5 dsmanifest update -q link.tsv
grep -q "real/\.m\.tsv\.lock" err.txt || fail "symlink lock: $(cat err.txt)"
release
