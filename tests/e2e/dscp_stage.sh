# dscp --stage-once: four processes start the same copy into the same DST at once; exactly one copies, the
# others wait for it and return with a complete copy; the same command later returns at once.
. "$(dirname "$0")/lib.sh"

mkdir -p S/a S/b
for i in $(seq 1 300); do printf 'file %s\n' "$i" > S/$((i % 2 == 0 ? 1 : 0))$i; done
for i in $(seq 1 20); do head -c 100000 /dev/urandom > S/a/big$i; done
for p in 1 2 3 4; do dscp --stage-once --json S D > out$p.json 2> err$p.txt & done
wait
for p in 1 2 3 4; do [ ! -s err$p.txt ] || fail "process $p: $(cat err$p.txt)"; done
python3 - out1.json out2.json out3.json out4.json <<'PY'
import json, sys
files = [json.loads(open(f).read().splitlines()[-1])["files"] for f in sys.argv[1:]]
assert sorted(files) == [0, 0, 0, 320], files
PY
diff -r -x '.dscp-stage.*' S D > diff.txt || fail "staged copy differs: $(cat diff.txt)"
[ -e D/.dscp-stage.done ] || fail "no completion marker"
dscp --stage-once --json S D > again.json
python3 -c 'import json; s=json.loads(open("again.json").read().splitlines()[-1]); assert s["files"]==0 and s["unchanged"]==0, s'
