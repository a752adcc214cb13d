# dscp -c against a destination file swapped for a symbolic link while it is compared, forced
# deterministically: gdb stops dscp when it hashes the destination file (FileHasher::hash_fd), the test
# swaps dst/big for a link to a file outside, the run goes on. The outside file must keep its mode (the
# source's 4755 was applied through the name, following the link); the link is replaced by the copy.
. "$(dirname "$0")/lib.sh"
command -v gdb > /dev/null || { echo "gdb not installed: skipped"; exit 0; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"  # LeakSanitizer cannot run under ptrace

mkdir src dst outside
head -c 100000 /dev/urandom > src/big
chmod 4755 src/big
cp src/big dst/big
touch -d 2001-01-01 dst/big
echo S > outside/victim
chmod 600 outside/victim
prog=$(command -v dscp)
timeout 120 gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'set print thread-events off' \
  -ex 'break dskit::FileHasher::hash_fd' -ex "run -c -T src dst > out.txt 2> err.txt" \
  -ex "shell mv dst/big dst/big.old && ln -s $T/outside/victim dst/big && touch swapped" \
  -ex 'delete' -ex continue -ex 'print $_exitcode' "$prog" > gdb.txt 2>&1 || fail "gdb or the run timed out"
grep -q 'hit Breakpoint' gdb.txt || fail "never stopped at the hashing: $(tail -5 gdb.txt)"
[ -e swapped ] || fail "the swap failed"
expect_eq "outside/victim mode" 600 "$(stat -c %a outside/victim)"
expect_eq "outside/victim content" S "$(cat outside/victim)"
expect_eq "exit code" 0 "$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' gdb.txt)"
[ -f dst/big ] && [ ! -L dst/big ] || fail "dst/big is not a file: $(ls -l dst)"
cmp src/big dst/big || fail "dst/big differs from src/big"
expect_eq "dst/big mode" 4755 "$(stat -c %a dst/big)"
