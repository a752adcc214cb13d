# dsmanifest verify: fast and --full modes, missing/changed/new files, JSON, exit codes, --root.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/x ds/y
for i in $(seq 1 20); do echo "x $i" > ds/x/$i; echo "y $i" > ds/y/$i; done
printf n > "ds/y/new"$'\n'"line"
dsmanifest build ds -o m.tsv
expect_rc "clean fast" 0 dsmanifest verify m.tsv
expect_rc "clean full" 0 dsmanifest verify --full m.tsv
dsmanifest verify --json m.tsv | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and d["entries"]==41 and d["issues"]==[], d'

# A copy elsewhere verifies with --root (paths are relative; inodes are not compared).
cp -a ds copy
expect_rc "copy with --root" 0 dsmanifest verify --full --root copy m.tsv

rm ds/x/1 "ds/y/new"$'\n'"line"
echo "longer content" > ds/x/2
mtime=$(stat -c %y ds/x/3); echo "X 3" > ds/x/3; touch -d "$mtime" ds/x/3   # same size and mtime
touch -d '2001-01-01' ds/x/4                                                 # mtime only
echo new > ds/z
set +e
dsmanifest verify m.tsv > fast.txt 2> fast.err; rc=$?
set -e
expect_eq "fast exit" 1 "$rc"
expect_eq "fast report" "changed	x/2	size 4 != 15
changed	x/4	mtime
missing	x/1
missing	y/new\nline
new	z" "$(sort fast.txt)"
grep -q "41 entries, 2 missing, 2 changed, 1 new" fast.err || fail "summary: $(cat fast.err)"

expect_rc "full exit" 1 dsmanifest verify --full --json -j 3 m.tsv > full.json
python3 - full.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((i["kind"], i["path"], i.get("detail", "")) for i in d["issues"])
want = sorted([("changed", "x/2", "size 4 != 15"), ("changed", "x/3", "content"), ("missing", "x/1", ""),
               ("missing", "y/new\nline", ""), ("new", "z", "")])
assert got == want, got
assert d["mode"] == "full" and not d["ok"] and d["missing"] == 2 and d["changed"] == 2 and d["new"] == 1, d
PY

# A file that cannot be read during --full is reported, not a crash.
chmod 000 ds/x/5
chmod o+r m.tsv
as_nobody dsmanifest verify --full m.tsv > nobody.txt 2>&1 && fail "unreadable must fail"
grep -q "^unreadable	x/5	.*Permission denied" nobody.txt || fail "unreadable: $(cat nobody.txt)"

# The whole dataset gone: the root is reported, exit 2; the manifest missing: exit 2.
mv ds gone
expect_rc "root gone" 2 dsmanifest verify m.tsv
expect_rc "manifest missing" 2 dsmanifest verify nope.tsv
dsmanifest verify nope.tsv 2> nope.err || true
grep -q "nope.tsv: No such file or directory" nope.err || fail "missing manifest message: $(cat nope.err)"
expect_rc "--full without hashes" 2 sh -c 'dsmanifest build --hash none copy > h0.tsv && dsmanifest verify --full h0.tsv'
echo OK
