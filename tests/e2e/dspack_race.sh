# dspack build against links planted in its output directory while it runs, forced deterministically: gdb
# stops dspack once the shards are written and before the indexes are (pack::write_indexes, or
# MdsWriter::finish for --format mds), the test plants symlinks to outside files at the names the indexes
# take, or moves the whole output directory away and puts a link to an outside directory at its path; the
# run goes on. Every file must be made inside the output directory opened at the start and named over the
# planted link (the link replaced, never followed): the outside files keep their bytes.
. "$(dirname "$0")/lib.sh"
command -v gdb > /dev/null || { echo "gdb not installed: skipped"; exit 0; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# race WHAT BREAK SWAP ARGS...: dspack ARGS under gdb, the shell command SWAP run at BREAK; exit code 0.
race() {
  local what=$1 stop=$2 swap=$3 prog
  prog=$(command -v dspack)
  shift 3
  timeout 120 gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'set print thread-events off' \
    -ex "break $stop" -ex "run $* > out.$what 2> err.$what" \
    -ex "shell $swap && touch swapped.$what" -ex continue -ex 'print $_exitcode' \
    "$prog" > gdb.$what 2>&1 || fail "$what: gdb or the run timed out: $(tail -3 gdb.$what)"
  grep -q 'hit Breakpoint' gdb.$what || fail "$what: never stopped: $(tail -5 gdb.$what)"
  [ -e swapped.$what ] || fail "$what: the swap failed"
  expect_eq "$what exit ($(cat err.$what))" 0 "$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' gdb.$what)"
}
mkdir -p src/cat src/dog outside
for i in 1 2 3; do echo "cat $i" > src/cat/$i.txt; echo "dog $i" > src/dog/$i.txt; done
for v in index.tsv shardindex.json shard-000000.idx index.json; do echo "secret $v" > outside/$v; done
cp -r outside outside.orig

# Links at the index names, planted once the shards are written.
plant='for v in index.tsv shardindex.json shard-000000.idx; do ln -s $PWD/outside/$v p/$v; done'
race links 'dskit::pack::write_indexes' "$plant" build src -o p
diff -r outside.orig outside > /dev/null || fail "links: a file outside was written through a planted link"
for v in index.tsv shardindex.json shard-000000.idx; do
  [ -f p/$v ] && [ ! -L p/$v ] || fail "links: p/$v is not a regular file"
done
dspack verify p 2> /dev/null || fail "links: the pack does not verify"

# --format mds: index.json and index.tsv.
plant='ln -s $PWD/outside/index.json m/index.json && ln -s $PWD/outside/index.tsv m/index.tsv'
race mds 'dskit::pack::MdsWriter::finish' "$plant" build src -o m --format mds
diff -r outside.orig outside > /dev/null || fail "mds: a file outside was written through a planted link"
[ -f m/index.json ] && [ ! -L m/index.json ] && [ -f m/index.tsv ] && [ ! -L m/index.tsv ] ||
  fail "mds: the indexes are not regular files"

# The output directory moved away and a link to an outside directory put at its path: the indexes still
# go into the directory the shards went to.
mkdir empty
race moved 'dskit::pack::write_indexes' 'mv q q.moved && ln -s $PWD/empty q' build src -o q
[ -z "$(ls -A empty)" ] || fail "moved: files written into the directory the link names: $(ls empty)"
[ -f q.moved/index.tsv ] && [ -f q.moved/shardindex.json ] || fail "moved: indexes missing: $(ls q.moved)"
echo OK
