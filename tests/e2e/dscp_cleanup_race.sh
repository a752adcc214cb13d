# dscp's cleanup pass (temporaries of an interrupted run, --delete) against DST/NAME swapped for a symbolic
# link to a directory outside after the copy, forced deterministically: gdb stops dscp at its second walk
# (the cleanup's), the test moves DST/NAME away and puts a link to outside/ in its place, the run goes on.
# The cleanup must act on the directory the copy opened (through its descriptor: the extra file and the
# temporary there removed), never list or remove anything in outside/, and report nothing.
. "$(dirname "$0")/lib.sh"
command -v gdb > /dev/null || { echo "gdb not installed: skipped"; exit 0; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"  # LeakSanitizer cannot run under ptrace

mkdir -p S/sub DST/S/sub outside/sub
printf 'a\n' > S/a
printf 'b\n' > S/sub/b
printf 'extra\n' > DST/S/extra
printf 'partial\n' > DST/S/sub/.b.dskit-AbC123.tmp
# outside/ has the same names: a cleanup that lists it would remove them (or, removing through the
# copy's descriptor, fail on names the copy's directory lacks).
printf 'keep\n' > outside/extra
printf 'keep\n' > outside/victim
printf 'keep\n' > outside/sub/.b.dskit-AbC123.tmp
prog=$(command -v dscp)
timeout 120 gdb -q -batch -nx -ex 'set breakpoint pending on' -ex 'set print thread-events off' \
  -ex 'break dskit::walk' -ex 'ignore 1 1' -ex "run --delete -j 2 S DST > out.txt 2> err.txt" \
  -ex "shell mv DST/S DST/S.old && ln -s $T/outside DST/S && touch swapped" \
  -ex 'delete' -ex continue -ex 'print $_exitcode' "$prog" > gdb.txt 2>&1 || fail "gdb or the run timed out"
grep -q 'hit Breakpoint' gdb.txt || fail "never stopped at the cleanup's walk: $(tail -5 gdb.txt)"
[ -e swapped ] || fail "the swap failed"
for f in extra victim sub/.b.dskit-AbC123.tmp; do
  expect_eq "outside/$f" keep "$(cat "outside/$f")"
done
expect_eq "messages" "" "$(cat err.txt)"
expect_eq "exit code" 0 "$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' gdb.txt)"
[ ! -e DST/S.old/extra ] || fail "the extra file of the copy's directory was not removed"
[ ! -e DST/S.old/sub/.b.dskit-AbC123.tmp ] || fail "the temporary of the copy's directory was not removed"
diff -r S DST/S.old > /dev/null || fail "the copy differs from the source: $(diff -r S DST/S.old)"
