# dsls on awkward names: spaces, newlines, tabs, backslashes, quotes, leading dashes, non-UTF-8 bytes,
# empty directories; -0 and --sort against GNU find, and --json with path_b64 for non-UTF-8 names.
. "$(dirname "$0")/lib.sh"

mkdir -p R/empty R/'dir with spaces'/empty2 R/-dashdir
python3 - <<'PY'
import os
names = [b"plain", b"with space", b"new\nline", b"tab\there", b"back\\slash", b"dq\"uote", b"sq'uote",
         b"-leading-dash", b"--double", b"\xff\xfe-latin1", b"caf\xc3\xa9", b"\xe2\x98\x83snow",
         b" lead-space", b"trail-space ", b"*star?", b"[bracket]", b"$dollar", b"ctl\x01\x1f\x7f",
         b"\xc3(bad-utf8", b"cr\rx", b".hidden"]
for d in [b"R", b"R/dir with spaces", b"R/-dashdir"]:
    for n in names:
        with open(os.path.join(d, n), "wb") as f:
            f.write(n)
os.mkdir(b"R/\xfe\xffdir")
open(b"R/\xfe\xffdir/\xe9t\xe9", "wb").close()
os.mkdir(b"R/nl\ndir")
open(b"R/nl\ndir/x", "wb").close()
PY

# Paths, NUL-terminated, as a set.
dsls R -0 | sort -z >got
find R -mindepth 1 -print0 | sort -z >want
expect_same_file "-0 vs find -print0" want got
expect_eq "entry count" "$(tr -cd '\0' <want | wc -c)" "$(tr -cd '\0' <got | wc -c)"

# --sort -0 is byte order, identical to sort -z.
dsls R -0 --sort >got_sorted
expect_same_file "--sort -0 is byte order" want got_sorted

# --sort with newlines: byte order of the whole path (find's paths have no newline here).
mkdir S && touch S/b S/a S/B S/_ S/$'\xff' S/$'\xc3\xa9' S/a.b S/a-b S/'a b'
dsls S --sort >got
find S -mindepth 1 | sort >want
expect_same_file "--sort is LC_ALL=C sort order" want got

# A PATH with odd characters itself, and a leading-dash name passed after `--`.
mkdir -- '-odd root' && touch -- '-odd root/f'
dsls -- '-odd root' >got
printf '%s\n' '-odd root/f' >want
expect_same_file "PATH with a leading dash after --" want got

# --json: every line is valid JSON; path round-trips (path_b64 for non-UTF-8), type/size/mtime present.
dsls R --json >out.jsonl
find R -mindepth 1 -printf '%y %s %T@ ' -print0 >oracle
python3 - out.jsonl oracle <<'PY'
import base64, json, sys, datetime
want = {}
for rec in open(sys.argv[2], "rb").read().split(b"\0")[:-1]:
    y, s, t, p = rec.split(b" ", 3)
    want[p] = (y.decode(), int(s), int(float(t)))
got = {}
for n, line in enumerate(open(sys.argv[1], "rb").read().split(b"\n")[:-1], 1):
    o = json.loads(line)  # raises on an invalid line
    for k in ("path", "type", "size", "mtime"):
        assert k in o, f"line {n}: no {k}: {line!r}"
    raw = o["path"].encode("utf-8")
    if "path_b64" in o:
        raw = base64.b64decode(o["path_b64"])
        try:
            raw.decode("utf-8")
            raise AssertionError(f"path_b64 on a valid UTF-8 path: {raw!r}")
        except UnicodeDecodeError:
            pass
    else:
        raw.decode("utf-8")
    assert raw not in got, f"duplicate {raw!r}"
    mt = int(datetime.datetime.strptime(o["mtime"], "%Y-%m-%dT%H:%M:%SZ")
             .replace(tzinfo=datetime.timezone.utc).timestamp())
    got[raw] = (o["type"], o["size"], mt)
missing = set(want) - set(got)
extra = set(got) - set(want)
assert not missing and not extra, f"missing {sorted(missing)[:5]} extra {sorted(extra)[:5]}"
for p, w in want.items():
    g = got[p]
    assert g[0] == w[0], f"{p!r}: type {g[0]} != {w[0]}"
    if w[0] == "f":
        assert g[1] == w[1], f"{p!r}: size {g[1]} != {w[1]}"
    assert g[2] == w[2], f"{p!r}: mtime {g[2]} != {w[2]}"
non_utf8 = [p for p in want if not p.decode("utf-8", "ignore").encode() == p]
assert non_utf8, "test tree has no non-UTF-8 name"
PY
[ -s out.jsonl ] || fail "--json printed nothing"
