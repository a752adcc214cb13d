# dscp against a hostile destination: a symbolic link planted at DST/NAME (the top-level copy of a source
# directory) is replaced by a real directory, never followed: nothing is written, deleted, chmod'ed or
# chown'ed in its target, with or without --delete. (The DST the user names is followed, as cp does.)
# Names like dskit temporaries: a source file so named is copied (and kept by a rerun); in DST only a
# leftover temporary file is removed, never a directory so named (without --delete).
# The -n/-v listing escapes names as a manifest does (a newline cannot forge a line); -0 keeps them raw;
# --json gives path_b64 for a name that is not UTF-8.
. "$(dirname "$0")/lib.sh"

mkdir -p data/sub outside dst
echo hi > data/x.txt
echo y > data/sub/y.txt
chmod 777 data
echo KEEP > outside/keep
chmod 700 outside
chown 65534 outside 2> /dev/null || true
before=$(stat -c '%a %u %g %Y' outside)
ln -s "$T/outside" dst/data
capture got.txt dscp --delete -v data dst
expect_eq "exit code with a planted top-level link" 0 "$rc"
expect_eq "outside listing" "keep" "$(ls -A outside)"
expect_eq "outside/keep" KEEP "$(cat outside/keep)"
expect_eq "outside mode, owner, time" "$before" "$(stat -c '%a %u %g %Y' outside)"
[ -d dst/data ] && [ ! -L dst/data ] || fail "the planted link was not replaced by a directory"
diff -r data dst/data || fail "dst/data is not a copy of data"
expect_eq "dst/data mode" 777 "$(stat -c %a dst/data)"

# The DST operand itself may be a link to a directory (as with cp): the copy goes into its target.
mkdir real && ln -s "$T/real" via
capture got2.txt dscp data via
expect_eq "exit code through the DST operand" 0 "$rc"
diff -r data real/data || fail "real/data is not a copy of data"

mkdir -p tn
echo data > tn/.x.dskit-ABCDEF.tmp
dscp tn TD
expect_eq "a source file named like a temporary" data "$(cat TD/.x.dskit-ABCDEF.tmp 2> /dev/null)"
mkdir -p TD/.y.dskit-QWERTY.tmp && echo mine > TD/.y.dskit-QWERTY.tmp/keep
echo partial > TD/.z.dskit-ZZZZZZ.tmp
capture got3.txt dscp -v -T tn TD
expect_eq "exit code of the rerun" 0 "$rc"
expect_eq "the copy kept by the rerun" data "$(cat TD/.x.dskit-ABCDEF.tmp 2> /dev/null)"
expect_eq "a directory named like a temporary" mine "$(cat TD/.y.dskit-QWERTY.tmp/keep 2> /dev/null)"
[ ! -e TD/.z.dskit-ZZZZZZ.tmp ] || fail "a leftover temporary was not removed"

mkdir -p fg
printf 'x\n' > "fg/a
delete	IMPORTANT"
printf 'y\n' > "fg/$(printf 'b\377')"
dscp -n -T fg FG > list.txt
expect_eq "listed lines" 3 "$(wc -l < list.txt)"
grep -q '^delete' list.txt && fail "a name forged a line: $(cat list.txt)"
grep -qxF 'copy	FG/a\ndelete\tIMPORTANT' list.txt || fail "not escaped: $(cat list.txt)"
grep -qxF 'copy	FG/b\xff' list.txt || fail "not escaped: $(cat list.txt)"
dscp -n -0 -T fg FG | tr '\0' '\n' | grep -qx 'delete	IMPORTANT' || fail "-0 is not raw"
dscp -n --json -T fg FG > list.jsonl
/usr/bin/python3 - list.jsonl <<'PY'
import base64, json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if '"action"' in l]
got = sorted(base64.b64decode(r["path_b64"]) if "path_b64" in r else r["path"].encode() for r in rows)
assert got == sorted([b"FG", b"FG/a\ndelete\tIMPORTANT", b"FG/b\xff"]), got
PY
