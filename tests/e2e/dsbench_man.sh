# man/dsbench.1 is lint-clean and names every option of every subcommand.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
page=$(man_text "$DSKIT_SRC/man/dsbench.1")
for cmd in randread ckpt meta train; do
  grep -q "$cmd" <<< "$page" || fail "subcommand $cmd is not in the man page"
  man_names_options "$page" dsbench "$cmd"
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
mkdir ds && head -c 5000 /dev/urandom > ds/a && head -c 7000 /dev/urandom > ds/b
dsbench train --data ds --buffered --compute-time 0 --json > train.json 2> /dev/null
dsbench train --data ds --buffered --compute-time 0 --find-max --max-accelerators 2 --steps 2 --json > max.json 2> /dev/null
python3 - "$page" train.json max.json <<'PY'
import json, sys
doc = sys.argv[1]
for f in sys.argv[2:]:
    r = json.load(open(f))
    for k in list(r) + list(r.get("per_accelerator", [{}])[0]) + list(r.get("trials", [{}])[0]):
        assert k in doc, f"JSON member {k} of {f} not in the man page"
PY
echo OK
