# Output modes: -l (size, ISO-8601 UTC mtime, path; tab-separated) vs find -printf, -0, --json (JSON Lines,
# fields vs find), --sort (byte order), --stats (stderr only), and their combinations.
. "$(dirname "$0")/lib.sh"

mkdir -p R/a/b R/empty 'R/tab	dir'
printf 'hello' >R/a/five
head -c 100000 /dev/zero >R/a/b/big
: >R/zero
printf x >'R/tab	dir/x'
touch -d '2020-02-29 23:59:59.999999999 UTC' R/a/five
touch -d '1969-07-20 20:17:40 UTC' R/zero          # before the epoch
touch -d '2038-01-19 03:14:08 UTC' R/a/b/big       # past 32-bit time_t
ln -s a/five R/link
ln -s nowhere R/dangling
mkfifo R/fifo
touch -h -d '2001-09-09 01:46:40 UTC' R/link

# -l against find, fractional seconds cut.
dsls R -l | sort >got
TZ=UTC find R -mindepth 1 -printf '%s\t%TY-%Tm-%TdT%TH:%TM:%TSZ\t%p\n' | sed 's/\.[0-9]*Z\t/Z\t/' | sort >want
expect_same_file "-l vs find -printf" want got
grep -qP '^0\t1969-07-20T20:17:40Z\tR/zero$' got || fail "-l: pre-epoch mtime"
grep -qP '^5\t2020-02-29T23:59:59Z\tR/a/five$' got || fail "-l: mtime seconds are truncated, not rounded"
grep -qP '^100000\t2038-01-19T03:14:08Z\tR/a/b/big$' got || fail "-l: post-2038 mtime"
# every -l line has exactly three tab-separated fields (the tab in a name is part of the path)
awk -F'\t' 'NF < 3 { exit 1 }' got || fail "-l: a line with fewer than three fields"

# -l -0 and --long --sort.
dsls R -l -0 | sort -z >got
TZ=UTC find R -mindepth 1 -printf '%s\t%TY-%Tm-%TdT%TH:%TM:%TSZ\t%p\0' | sed -z 's/\.[0-9]*Z\t/Z\t/' | sort -z >want
expect_same_file "-l -0" want got
dsls R --long --sort | cut -f3- >got
find R -mindepth 1 | sort >want
expect_same_file "--long --sort orders by path" want got

# --json: every line valid; fields against find; -0 frames records with NUL; --sort orders by path.
dsls R --json >out.jsonl
find R -mindepth 1 -printf '%p\t%y\t%s\t%T@\n' >oracle
python3 - out.jsonl oracle <<'PY'
import json, sys, datetime
want = {}
for l in open(sys.argv[2]):
    p, y, s, t = l.rstrip("\n").rsplit("\t", 3)
    want[p] = (y, int(s), t)
got = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    assert line.endswith("\n"), n
    o = json.loads(line)
    assert set(("path", "type", "size", "mtime")) <= set(o), o
    assert isinstance(o["size"], int) and isinstance(o["mtime"], str), o
    assert "path_b64" not in o and "error" not in o, o
    got[o["path"]] = o
assert set(got) == set(want), (sorted(set(got) ^ set(want)))
for p, (y, s, t) in want.items():
    o = got[p]
    assert o["type"] == y, (p, o["type"], y)
    assert o["size"] == s, (p, o["size"], s)
    sec, frac = t.split(".") if "." in t else (t, "0")
    # find's %T@ is seconds.fraction; floor toward -inf for the ISO string
    ns = int(sec) * 10**9 + (int(frac.ljust(9, "0")[:9]) if not sec.startswith("-") else -int(frac.ljust(9, "0")[:9]))
    iso = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert o["mtime"] == iso, (p, o["mtime"], iso)
    if "mtime_ns" in o:
        assert abs(o["mtime_ns"] - ns) < 1000, (p, o["mtime_ns"], ns)
assert got["R/fifo"]["type"] == "p" and got["R/link"]["type"] == "l" and got["R/empty"]["type"] == "d"
PY
dsls R --json -0 >out0
python3 - out0 <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\0") and b"\n" not in data, "--json -0 must end records with NUL only"
recs = [json.loads(r) for r in data.split(b"\0")[:-1]]
assert len(recs) == 11, len(recs)
PY
dsls R --json --sort | python3 -c '
import json, sys
paths = [json.loads(l)["path"].encode() for l in sys.stdin]
assert paths == sorted(paths), paths'

# --sort is byte order (LC_ALL=C sort), also with -0.
dsls R --sort >got
find R -mindepth 1 | sort >want
expect_same_file "--sort" want got

# --stats: to stderr only, stdout unchanged; the entry count is right.
dsls R --sort --stats >got 2>err
expect_same_file "--stats leaves stdout alone" want got
expect_eq "--stats is one line" 1 "$(wc -l <err)"
n=$(find R -mindepth 1 | wc -l)
grep -qE "(^|[^0-9])$n entries" err || fail "--stats does not count $n entries: $(cat err)"
grep -q 'errors' err || fail "--stats has no error count: $(cat err)"
grep -qE 'entries/s' err || fail "--stats has no rate: $(cat err)"
dsls R --stats -j 3 2>&1 >/dev/null | grep -q '3 threads' || fail "--stats does not show -j 3"

# Without --stats and with stderr not a terminal: nothing on stderr (no progress line).
dsls R >/dev/null 2>err
expect_eq "quiet stderr" "" "$(cat err)"

# --json and --long together are refused.
expect_rc "--json -l" 2 dsls R --json -l
