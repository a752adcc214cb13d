# dscp's failures: a source file it may not read (EACCES, as an unprivileged user: root reads everything) is
# reported as `dscp: PATH: cause`, counted and the rest copied (exit 1); a full destination (a small tmpfs)
# stops the copy with exit 3 and no partial file under a final name; symbolic links planted in DST are
# replaced, never written through; a closed standard output is quiet; usage errors exit 2.
. "$(dirname "$0")/lib.sh"

mkdir -p S/ok S/locked
for f in a b c; do printf '%s\n' "$f" > S/ok/$f; done
printf 'secret\n' > S/secret
printf 'x\n' > S/locked/inside
chmod -R a+rX S
chmod 000 S/secret S/locked
mkdir out && chmod 777 out
as_nobody test -r S/ok/a || fail "nobody cannot read the test tree (is $T world-readable?)"

capture got.txt as_nobody dscp S out/D
expect_eq "exit code with unreadable sources" 1 "$rc"
grep -q '^dscp: S/secret: Permission denied' err.txt || fail "S/secret not reported: $(cat err.txt)"
grep -q '^dscp: S/locked: Permission denied' err.txt || fail "S/locked not reported: $(cat err.txt)"
expect_eq "two messages" 2 "$(wc -l < err.txt)"
for f in a b c; do cmp S/ok/$f out/D/ok/$f || fail "ok/$f not copied"; done
[ ! -e out/D/secret ] || fail "an unreadable file has a name in the copy"
[ -z "$(find out/D -name '*.dskit-*.tmp')" ] || fail "temporaries left"
chmod 644 S/secret && chmod 755 S/locked

# Symbolic links planted in DST: a link where S has a directory, and one where it has a file.
mkdir -p P outside && printf 'keep\n' > outside/file
ln -s "$T/outside" P/ok
ln -s "$T/outside/file" P/secret
dscp -T S P
[ -d P/ok ] && [ ! -L P/ok ] || fail "the planted directory link was not replaced"
[ ! -L P/secret ] && cmp S/secret P/secret || fail "the planted file link was not replaced"
expect_eq "outside untouched" "keep" "$(cat outside/file)"
[ -z "$(ls outside | grep -v '^file$')" ] || fail "files written through the link: $(ls outside)"

# Standard output closed early (a dry-run listing into head): quiet.
mkdir -p many && (cd many && seq 1 3000 | xargs touch)
set +e
dscp -n many M2 2> pipe_err.txt | head -1 > /dev/null
set -e
[ ! -s pipe_err.txt ] || fail "broken pipe not quiet: $(cat pipe_err.txt)"

# Usage errors.
err_is "no operands" 2 "(see dscp --help)" dscp
# A name with a newline or a byte that is not UTF-8 is escaped in messages as in the listings (\n, \xHH):
# one line per message, no forged line.
mkdir N
printf 'x\n' > "N/new
line"
chmod 000 "N/new
line"
mkfifo "N/$(printf 'fi\377fo')"
chmod -R a+rX N 2> /dev/null || true
chmod 000 "N/new
line"
capture got.txt as_nobody dscp N out/N
expect_eq "exit code with an unreadable newline name" 1 "$rc"
grep -qx 'dscp: N/new\\nline: Permission denied (open)' err.txt || fail "newline name not escaped: $(cat -A err.txt)"
grep -qx 'dscp: N/fi\\xfffo: skipped (special file, type p)' err.txt || fail "byte not escaped: $(cat -A err.txt)"
expect_eq "two message lines" 2 "$(wc -l < err.txt)"
err_is "bad option" 2 "(see dscp --help)" dscp --nope S D
err_is "--rank without --manifest" 2 "need --manifest" dscp --rank 1 --world 2 S D
err_is "--delete with --manifest" 2 "needs a source tree" dscp --delete --manifest m.tsv D

# A full destination: exit 3, a clear message, every file with a final name complete, no temporaries.
mkdir -p full
if ! mount -t tmpfs -o size=1m tmpfs full 2> /dev/null; then
  echo "cannot mount a tmpfs (not root, or no CAP_SYS_ADMIN): full-destination check skipped"
  exit 0
fi
trap 'umount "$T/full" 2> /dev/null || true; cleanup' EXIT
mkdir -p B
for i in 1 2 3 4 5 6; do head -c 300000 /dev/urandom > B/f$i; done
capture got.txt dscp B full/C
expect_eq "exit code on a full destination" 3 "$rc"
grep -q 'No space left on device' err.txt || fail "no ENOSPC message: $(cat err.txt)"
grep -q 'full or read-only' err.txt || fail "no stop message: $(cat err.txt)"
n=0
for f in full/C/f*; do
  [ -e "$f" ] || continue
  cmp -s "B/${f##*/}" "$f" || fail "a partial file under its final name: $f"
  n=$((n + 1))
done
[ "$n" -lt 6 ] || fail "everything fit: the test set-up is wrong"
[ -z "$(find full -name '*.dskit-*.tmp')" ] || fail "temporaries left on the full destination"
