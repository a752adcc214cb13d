# A directory that cannot be read, as an unprivileged user (root bypasses permission bits): the error names
# the path on stderr (or is a JSON error record), the exit code is 1, and everything else is still listed.
. "$(dirname "$0")/lib.sh"

mkdir -p R/ok/deeper R/locked/inside R/zz
touch R/ok/a R/ok/deeper/b R/locked/inside/secret R/locked/top R/zz/c
chmod -R a+rX R
chmod 000 R/locked
as_nobody test -r R/ok/a || fail "nobody cannot read the test tree (is $T world-readable?)"

capture got as_nobody dsls R
expect_eq "exit code with an unreadable dir" 1 "$rc"
grep -q 'R/locked' err.txt || fail "stderr does not name R/locked: $(cat err.txt)"
grep -qi 'permission denied' err.txt || fail "stderr does not say permission denied: $(cat err.txt)"
expect_eq "one error line" 1 "$(wc -l <err.txt)"
{ as_nobody find R -mindepth 1 2>/dev/null || true; } | sort >want
sort got >got_sorted
expect_same_file "the rest is listed (vs find as nobody)" want got_sorted
grep -qx 'R/locked' got || fail "the unreadable dir itself is not listed"

# The same with -l, --sort and many threads.
capture got as_nobody dsls R --sort -j 16
expect_eq "exit code --sort -j 16" 1 "$rc"
expect_same_file "--sort -j 16 listing" want got
grep -q 'R/locked' err.txt || fail "--sort: stderr does not name R/locked"

# --json: an error record {"path","error","errno","op"} in the stream, and the message on stderr too.
capture out.jsonl as_nobody dsls R --json
expect_eq "exit code --json" 1 "$rc"
python3 - out.jsonl <<'PY'
import errno, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
errs = [r for r in recs if "error" in r]
assert len(errs) == 1, errs
e = errs[0]
assert e["path"] == "R/locked", e
assert e["errno"] == errno.EACCES, e
assert isinstance(e["error"], str) and e["error"], e
assert isinstance(e["op"], str) and e["op"], e
assert "type" not in e, e
paths = sorted(r["path"] for r in recs if "error" not in r)
assert "R/locked" in paths and "R/zz/c" in paths and "R/locked/top" not in paths, paths
PY

# --summary still sums what could be read, and exits 1.
capture sum as_nobody dsls R --summary
expect_eq "exit code --summary" 1 "$rc"
grep -q 'R/locked' err.txt || fail "--summary: stderr does not name R/locked"
expect_eq "summary row of the readable class" "$(printf '2\t1\t0\tR/ok')" "$(grep -P '\tR/ok$' sum)"

# A PATH that is itself unreadable: error, exit 1 (it exists), nothing listed.
capture got as_nobody dsls R/locked
expect_eq "unreadable PATH exit code" 1 "$rc"
expect_eq "unreadable PATH output" "" "$(cat got)"
grep -q 'R/locked' err.txt || fail "unreadable PATH not named on stderr"

# An unreadable directory whose name is not UTF-8: the error record carries path_b64 with the exact bytes.
mkdir -p U/$'lock\xff' U/ok
touch U/$'lock\xff'/x U/ok/y
chmod -R a+rX U
chmod 000 U/$'lock\xff'
capture u.jsonl as_nobody dsls U --json
expect_eq "exit code, non-UTF-8 unreadable dir" 1 "$rc"
python3 - u.jsonl <<'PY'
import base64, json, sys
errs = [r for r in map(json.loads, open(sys.argv[1])) if "error" in r]
assert len(errs) == 1, errs
assert base64.b64decode(errs[0]["path_b64"]) == b"U/lock\xff", errs
PY
chmod 755 U/$'lock\xff'

# As root the same tree reads fine (exit 0), proving the failure above is the permission.
dsls R >/dev/null
