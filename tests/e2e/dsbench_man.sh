# man/dsbench.1 is lint-clean and names every option of every subcommand.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
command -v mandoc > /dev/null || { echo "mandoc not installed: skipped"; exit 0; }
mandoc -Tlint -Wwarning "$DSKIT_SRC/man/dsbench.1"
page=$(mandoc -Tascii "$DSKIT_SRC/man/dsbench.1" | col -b)
for cmd in randread ckpt meta; do
  grep -q "$cmd" <<< "$page" || fail "subcommand $cmd is not in the man page"
  for opt in $(dsbench $cmd --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    case $opt in --help) continue ;; esac
    grep -q -- "$opt" <<< "$page" || fail "dsbench $cmd $opt is not in the man page"
  done
done
# Every JSON member the modes print is documented.
head -c 300000 /dev/urandom > big.bin
dsbench randread --file big.bin --ops 10 --json > rr.json
python3 - rr.json "$page" <<'PY'
import json, sys
doc = sys.argv[2]
for k in json.load(open(sys.argv[1])):
    assert k in doc, f"JSON member {k} not in the man page"
PY
echo OK
