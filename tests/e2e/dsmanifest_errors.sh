# dsmanifest on bad input: malformed lines (file:line), unknown columns kept, paths escaping the root,
# unreadable files during build, missing manifest, write failures (exit 3, no partial file), broken pipe.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a
for i in 1 2 3 4; do echo "f $i" > ds/a/$i; done
dsmanifest build ds -o m.tsv

# Malformed lines: the message names the file and line; exit 2; nothing written.
bad() {  # bad NAME LINE-TO-APPEND EXPECTED-MESSAGE-PART
  { cat m.tsv; printf '%s\n' "$2"; } > "$1.tsv"
  for cmd in "verify" "stats" "convert --to jsonl" "update -o out.tsv" "diff m.tsv"; do
    # shellcheck disable=SC2086
    set +e; dsmanifest $cmd "$1.tsv" > /dev/null 2> err.txt; rc=$?; set -e
    expect_eq "$1: $cmd exit" 2 "$rc"
    grep -q "^dsmanifest: $1.tsv:7: .*$3" err.txt || fail "$1: $cmd message: $(cat err.txt)"
  done
  [ ! -e out.tsv ] || fail "$1: output written"
}
bad fields "a/9	1	2" "3 fields, the header has 6"
bad size "a/9	big	2	3	00000000000000000000000000000000	a" "not a number of bytes"
bad hash "a/9	1	2	3	xyz	a" "not 32 hex digits"
bad escape 'a/9\q	1	2	3		a' "malformed escape"
bad empty "	1	2	3		a" "empty path"
printf 'not a manifest\n' > junk.tsv
expect_rc "junk" 2 dsmanifest stats junk.tsv
{ dsmanifest stats junk.tsv 2>&1 || true; } | grep -q "junk.tsv:1: not a dskit manifest" || fail "junk message"

# Paths that escape the root are refused unless --allow-outside-root.
for p in "../escape" "/etc/hostname" "a/../../x"; do
  { cat m.tsv; printf '%s\t1\t2\t3\t\t\n' "$p"; } > out.tsv.in
  expect_rc "refuse $p" 2 dsmanifest stats out.tsv.in
  { dsmanifest stats out.tsv.in 2>&1 || true; } | grep -q -- "--allow-outside-root" || fail "hint for $p"
  expect_rc "allow $p" 0 dsmanifest stats --allow-outside-root out.tsv.in
done
rm out.tsv.in

# Unknown columns and metadata keys are kept, in place, by update and by a verify-clean round trip.
awk 'BEGIN{FS=OFS="\t"} NR==1{print $0, "origin=lab 7"; next} NR==2{print "weight", $0, "note"; next} {print NR*0.5, $0, "n" NR}' m.tsv > extra.tsv
dsmanifest update extra.tsv -q -o extra2.tsv
expect_same_file "unknown columns kept by update" extra.tsv extra2.tsv
expect_rc "verify with unknown columns" 0 dsmanifest verify extra.tsv

# Missing files during verify are reported (never a crash), even all of them.
rm -r ds/a
mkdir ds/a
expect_rc "all missing" 1 dsmanifest verify m.tsv > v.txt
expect_eq "missing count" 4 "$(grep -c '^missing' v.txt)"
for i in 1 2 3 4; do echo "f $i" > ds/a/$i; done
dsmanifest build ds -o m.tsv

# Missing manifest file: exit 2 with the name and cause.
for cmd in verify update stats "convert --to jsonl"; do
  # shellcheck disable=SC2086
  expect_rc "missing manifest ($cmd)" 2 dsmanifest $cmd nope.tsv
done

# Unreadable files during build (as an unprivileged user): reported with path and cause, exit 1,
# the manifest still written for the rest and says so.
chmod 000 ds/a/2
mkdir ds/locked && echo x > ds/locked/f && chmod 000 ds/locked
mkdir out && chmod 777 out
set +e; as_nobody dsmanifest build ds -o out/part.tsv 2> err.txt; rc=$?; set -e
expect_eq "unreadable exit" 1 "$rc"
grep -q "ds/a/2: Permission denied (open)" err.txt || fail "file error: $(cat err.txt)"
grep -q "ds/locked: Permission denied" err.txt || fail "dir error: $(cat err.txt)"
grep -q "could not be read; the manifest out/part.tsv lists the other 3 files" err.txt || fail "summary: $(cat err.txt)"
expect_eq "entries written" "a/1 a/3 a/4" "$(tail -n +3 out/part.tsv | cut -f1 | paste -sd' ')"
chmod 755 ds/locked && chmod 644 ds/a/2

# Write failures: exit 3, a clear message, no partial or temporary file left.
expect_rc "no such dir" 3 dsmanifest build ds -o missing/dir/m.tsv
{ dsmanifest build ds -o missing/dir/m.tsv 2>&1 || true; } | grep -q "missing/dir/m.tsv: cannot create a file in missing/dir: No such file or directory" ||
  fail "no-such-dir message"
mkdir ro && chmod 555 ro
set +e; as_nobody dsmanifest build ds -o ro/m.tsv 2> err.txt; rc=$?; set -e
expect_eq "read-only dir" 3 "$rc"
grep -q "Permission denied" err.txt || fail "read-only message: $(cat err.txt)"
expect_eq "nothing left in ro" "" "$(ls -A ro)"
if [ -w /dev/full ]; then
  expect_rc "full disk on stdout" 3 sh -c 'dsmanifest build ds > /dev/full'
fi
cp m.tsv keep.tsv && chmod 444 keep.tsv && chmod 555 .
set +e; as_nobody dsmanifest update keep.tsv 2> err.txt; rc=$?; set -e
chmod 755 .
expect_eq "update in place in a read-only dir" 3 "$rc"
expect_same_file "input untouched" m.tsv keep.tsv
expect_eq "no temporary files" "" "$(find . -maxdepth 1 -name '*.tmp.*')"

# A reader that goes away is a quiet success.
set +e; dsmanifest convert m.tsv --to jsonl | head -c 10 > /dev/null; rc=${PIPESTATUS[0]}; set -e
expect_eq "EPIPE" 0 "$rc"
expect_rc "bad option" 2 dsmanifest build --bogus ds
expect_rc "no subcommand" 2 dsmanifest
echo OK
