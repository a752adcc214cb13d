# dspack build says what it does not pack: a FIFO and a symlink named *.txt in the source are skipped with a
# warning each and counted ("N skipped"), never followed nor read (the FIFO would block), exit 0 as for a
# name without a key; a manifest row leaving the root is refused with a message naming no option dspack
# lacks (--allow-outside-root).
. "$(dirname "$0")/lib.sh"
mkdir -p src/c outside
echo one > src/c/1.txt
echo secret > outside/s.txt
mkfifo src/c/2.txt
ln -s ../../outside/s.txt src/c/3.txt
set +e
timeout 20 dspack build src -o p 2> err.txt
rc=$?
set -e
expect_eq "exit ($(cat err.txt))" 0 "$rc"
grep -q '^dspack: c/2.txt: skipped (not a regular file' err.txt || fail "the FIFO not named: $(cat err.txt)"
grep -q '^dspack: c/3.txt: skipped (not a regular file' err.txt || fail "the symlink not named: $(cat err.txt)"
grep -q ' 2 skipped, 0 errors' err.txt || fail "not counted: $(cat err.txt)"
expect_eq "packed" "c/1.cls c/1.txt" "$(tar -tf p/shard-000000.tar | tr '\n' ' ' | sed 's/ $//')"
# A manifest row outside the root: refused, no option named that dspack does not have.
printf '#dskit-manifest v1\troot=%s\nsize\tpath\n3\t../x.txt\n' "$PWD/src" > m.tsv
set +e
dspack build m.tsv -o q 2> merr.txt
rc=$?
set -e
expect_eq "outside row exit" 2 "$rc"
grep -q "leaves the root" merr.txt || fail "outside row: $(cat merr.txt)"
grep -q "allow-outside-root" merr.txt && fail "names an option dspack lacks: $(cat merr.txt)"
echo OK
