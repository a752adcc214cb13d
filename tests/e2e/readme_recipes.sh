# The README's manifest recipes work as written: the --label-regex example (run from the README's own text
# on a tree shaped like the built-in sample) labels by file name, and the pandas recipe without the Python
# package gives decoded paths, a tab, a newline, a backslash and a byte that is not UTF-8 included.
. "$(dirname "$0")/lib.sh"
readme=${DSKIT_SRC:?}/README.md

# ---- --label-regex: the README's command line, on sample-data/imagefolder/<class>/<class>_NNNN.pgm.
for c in bus apple; do
  mkdir -p "sample-data/imagefolder/$c"
  for i in 0001 0002 0003; do echo "$c$i" > "sample-data/imagefolder/$c/${c}_$i.pgm"; done
done
line=$(grep -m1 -- "^dsmanifest build sample-data/imagefolder.*--label-regex" "$readme") ||
  fail "README has no --label-regex example on sample-data"
cmd=${line%%#*}
eval "$cmd" || fail "the README's --label-regex example failed: $cmd"
[ -f x.tsv ] || fail "the README's --label-regex example wrote no x.tsv: $cmd"
got=$(grep -v '^#' x.tsv | tail -n +2 | awk -F'\t' '{ split($1, p, "/"); print p[1] == $NF }' | sort -u)
expect_eq "label-regex labels every file by its class name" "1" "$got"

# ---- pandas without the Python package: dsmanifest convert --to jsonl | pd.read_json.
mkdir -p odd/c
printf 'a' > "$(printf 'odd/c/tab\there')"
printf 'b' > "$(printf 'odd/c/new\nline')"
printf 'c' > 'odd/c/back\slash'
printf 'd' > "$(printf 'odd/c/latin\xe9')"
dsmanifest build odd -o odd.tsv
PATH=$DSKIT_BIN:$PATH /usr/bin/python3 - odd.tsv << 'PY' || fail "the README's pandas recipe does not decode paths"
import base64, io, os, subprocess, sys
import pandas as pd
df = pd.read_json(io.StringIO(subprocess.check_output(["dsmanifest", "convert", "--to", "jsonl", sys.argv[1]],
                                                      text=True)), lines=True, dtype=False)
got = set()
for _, r in df.iterrows():
    b64 = r.get("path_b64")
    got.add(base64.b64decode(b64) if isinstance(b64, str) else os.fsencode(r["path"]))
want = {os.path.relpath(os.path.join(d, f), b"odd") for d, _, fs in os.walk(b"odd") for f in fs}
assert got == want, (got, want)
PY
