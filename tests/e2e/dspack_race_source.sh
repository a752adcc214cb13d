# dspack build when a streamed source file (over 16 MiB) shrinks while it is being written into the shard,
# forced with gdb (stopped at its first hashed chunk, the file truncated to 20 MiB, past many flushes of the
# shard's buffer): the file is an error naming it (exit 1), its sample is rolled back out of the shard (the
# flushed part truncated away), and the run goes on: the shard is byte-identical to a pack of the other
# samples alone.
. "$(dirname "$0")/lib.sh"
command -v gdb > /dev/null || { echo "gdb not installed: skipped"; exit 0; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mkdir -p src/c ref/c
echo a > src/c/a.txt
echo z > src/c/z.txt
head -c 40M /dev/urandom > src/c/big.bin
cp src/c/a.txt src/c/z.txt ref/c/
timeout 120 gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'set print thread-events off' \
  -ex 'break dskit::FileHasher::update' -ex "run build src -o p --mtime 0 > out.txt 2> err.txt" \
  -ex 'shell truncate -s 20M src/c/big.bin && touch swapped' -ex 'delete' -ex continue \
  -ex 'print $_exitcode' "$(command -v dspack)" > gdb.txt 2>&1 || fail "gdb or the run timed out: $(tail -3 gdb.txt)"
grep -q 'hit Breakpoint' gdb.txt || fail "never stopped: $(tail -5 gdb.txt)"
[ -e swapped ] || fail "the truncation failed"
expect_eq "exit ($(cat err.txt))" 1 "$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' gdb.txt)"
grep -q 'c/big.bin.*size changed while it was read' err.txt || fail "the file not named: $(cat err.txt)"
dspack build ref -o r --mtime 0 2> /dev/null
expect_same_file "the shard without the failed sample" r/shard-000000.tar p/shard-000000.tar
dspack verify p 2> /dev/null || fail "the pack does not verify"
echo OK
