# dsbench under mpirun on localhost (2 and 3 ranks): rank 0's merged result equals the sum of the per-rank
# results (ops, bytes, files, histogram counts; time = the slowest rank's), ckpt writes ranks x writers files
# named per rank, meta --mode hard puts every rank's files in one directory and removes it once, train's AU
# comes from all ranks' compute and wait times, and a rank with a bad path makes the job exit non-zero with
# that rank named, never hang.
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || fail "mpirun not installed (scripts/deps.sh installs openmpi-bin)"
# Open MPI's own allocations are still held at exit; LeakSanitizer would report them, not ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
run_ranks() { local n=$1; shift; timeout 120 mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"; }
DSBENCH=$(command -v dsbench)

mkdir ds
for i in $(seq 1 31); do head -c $((i * 4099)) /dev/urandom > ds/f$i.bin; done
total=$(find ds -type f -printf '%s\n' | awk '{s += $1} END {print s}')

check_sum() {  # FILE RANKS: the merge is the sum of the per-rank results
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert r["ranks"] == n and len(r["per_rank"]) == n, r
pr = r["per_rank"]
for k in ("ops", "bytes", "files", "errors"):
    assert r[k] == sum(p[k] for p in pr), (k, r[k], [p[k] for p in pr])
secs = [p["seconds"] for p in pr]
assert abs(r["seconds"] - max(secs)) < 1e-5, (r["seconds"], secs)
# the slowest rank (ties at the printed microsecond are possible in short runs)
assert secs[r["slowest_rank"]] == max(secs), (r["slowest_rank"], secs)
# seconds is printed to 1 us: bandwidth x seconds is the bytes within that rounding
assert abs(r["bandwidth_bytes_per_s"] * r["seconds"] - r["bytes"]) <= r["bandwidth_bytes_per_s"] * 1e-6 + 1, r
for name, h in r["latencies"].items():
    assert h["count"] == sum(p["latencies"].get(name, {"count": 0})["count"] for p in pr), name
    assert h["max"] == max(p["latencies"][name]["max"] for p in pr if name in p["latencies"]), name
    assert h["min"] == min(p["latencies"][name]["min"] for p in pr if name in p["latencies"]), name
PY
}

for n in 2 3; do
  # randread --data: the ranks split the files; together they read the whole dataset once.
  run_ranks $n "$DSBENCH" randread --data ds --buffered --threads 2 --block 16k --json --per-rank > rd.$n.json
  check_sum rd.$n.json $n
  python3 - rd.$n.json "$total" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "randread" and r["files"] == 31 and r["bytes"] == int(sys.argv[2]), r
assert r["dataset_files"] == 31
PY
  # randread --file: the --ops budget is shared out.
  head -c 1048576 /dev/urandom > big.bin
  run_ranks $n "$DSBENCH" randread --file big.bin --buffered --ops 100 --json --per-rank > rf.$n.json
  check_sum rf.$n.json $n
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["ops"] == 100, r["ops"]' rf.$n.json
  # ckpt: ranks x writers files, named per rank; the job is durable when the slowest rank is.
  mkdir ck.$n
  run_ranks $n "$DSBENCH" ckpt --dir ck.$n --writers 2 --size 256k --buffered --keep --json --per-rank > ck.$n.json
  check_sum ck.$n.json $n
  [ "$(find ck.$n -type f | wc -l)" -eq $((n * 2)) ] || fail "ckpt with $n ranks: $(ls ck.$n)"
  for r in $(seq 0 $((n - 1))); do
    [ -f ck.$n/dsbench-ckpt-r$r-w1-s0.bin ] || fail "rank $r's checkpoint file"
  done
  python3 - ck.$n.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["complete"] and r["bytes"] == r["ranks"] * 2 * 262144, r
assert abs(r["durable_s"] - max(p["durable_s"] for p in r["per_rank"])) < 1e-5
PY
  # meta (easy): every rank its own directory; phase operations add up.
  run_ranks $n "$DSBENCH" meta --dir . --files 50 --threads 2 --json --per-rank > meta.$n.json
  check_sum meta.$n.json $n
  python3 - meta.$n.json $n <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
create = [p for p in r["phases"] if p["name"] == "create"][0]
assert create["ops"] == n * 2 * 50, create
PY
  [ -z "$(find . -maxdepth 1 -name 'dsbench-meta.*')" ] || fail "meta left its directories"
  # meta --mode hard: every rank's threads in one shared directory, each thread's listing sees all ranks'
  # files; with --keep only that (empty) directory is left, no directory per rank.
  mkdir mh.$n
  run_ranks $n "$DSBENCH" meta --dir mh.$n --files 50 --threads 2 --mode hard --keep --json --per-rank > mh.$n.json
  check_sum mh.$n.json $n
  python3 - mh.$n.json $n <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert r["meta_mode"] == "hard" and r["errors"] == 0, r
ph = {p["name"]: p["ops"] for p in r["phases"]}
for name in ("create", "stat", "read", "unlink"):
    assert ph[name] == n * 2 * 50 == r[name + "_ops"] == sum(p[name + "_ops"] for p in r["per_rank"]), (name, r)
# each of a rank's 2 threads listed the one directory holding n ranks x 2 threads x 50 files
for p in r["per_rank"]:
    assert p["readdir_ops"] == 2 * (n * 2 * 50), p
assert ph["readdir"] == r["readdir_ops"] == n * 2 * (n * 2 * 50), r
PY
  expect_eq "meta hard --keep with $n ranks" "mh.$n/dsbench-meta.X mh.$n/dsbench-meta.X/shared" \
    "$(find mh.$n -mindepth 1 | sed 's/dsbench-meta\.[A-Za-z0-9]*/dsbench-meta.X/' | sort | xargs)"
  rm -r mh.$n/dsbench-meta.*
  run_ranks $n "$DSBENCH" meta --dir mh.$n --files 30 --threads 2 --mode hard --json > mh.$n.json
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["create_ops"] == int(sys.argv[2]) * 60 and r["errors"] == 0, r' \
    mh.$n.json $n
  [ -z "$(ls -A mh.$n)" ] || fail "meta hard with $n ranks left $(find mh.$n)"
  # train: accelerators on every rank, the samples split; AU from all ranks' compute and wait.
  run_ranks $n "$DSBENCH" train --data ds --buffered --batch 2 --compute-time 0.002 --steps 4 --accelerators 2 \
    --json --per-rank > tr.$n.json
  check_sum tr.$n.json $n
  python3 - tr.$n.json $n <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert r["accelerators"] == 2 * n and r["samples"] == n * 2 * 4 * 2, r
c = sum(p["compute_s"] for p in r["per_rank"]); w = sum(p["wait_s"] for p in r["per_rank"])
assert abs(r["au"] - c / (c + w)) < 1e-4, (r["au"], c, w)
PY
done

# Every member of the merged reports is documented.
if command -v mandoc > /dev/null && [ -n "${DSKIT_SRC:-}" ]; then
  mandoc -Tascii "$DSKIT_SRC/man/dsbench.1" | col -b > page.txt
  python3 - page.txt rd.2.json rf.2.json ck.2.json meta.2.json tr.2.json <<'PY'
import json, sys
doc = open(sys.argv[1]).read()
for f in sys.argv[2:]:
    r = json.load(open(f))
    for k in list(r) + list(r["per_rank"][0]):
        for phase in ("create", "stat", "read", "readdir", "unlink"):
            k = k.replace(phase + "_", "P_")
        assert k in doc, f"merged JSON member {k} of {f} not in the man page"
PY
fi

# Human report: one merged result with the slowest rank named and per-rank lines.
run_ranks 2 "$DSBENCH" randread --data ds --buffered --per-rank > human.txt 2> /dev/null
grep -q '^dsbench randread  ranks 2 ' human.txt || fail "merged header: $(head -2 human.txt)"
grep -q 'slowest: rank [01]' human.txt || fail "slowest rank not named"
[ "$(grep -c '^  rank [01]: ' human.txt)" -eq 2 ] || fail "per-rank lines"

# A rank with a bad path: the job fails with that rank named, and does not hang (timeout gives 124).
set +e
timeout 120 mpirun --allow-run-as-root --oversubscribe -np 1 "$DSBENCH" randread --data ds --buffered : \
  -np 1 "$DSBENCH" randread --data nowhere --buffered > /dev/null 2> bad.err
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "bad path on rank 1: exit $rc"
grep -q 'rank 1 of 2 failed' bad.err || fail "failed rank not named: $(cat bad.err)"
grep -q 'nowhere' bad.err || fail "bad path not named"
set +e
timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$DSBENCH" ckpt --dir ck.2 --size 64k --buffered : \
  -np 1 "$DSBENCH" ckpt --dir missing --size 64k --buffered > /dev/null 2> bad2.err
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "ckpt bad dir on rank 2: exit $rc"
grep -q 'rank 2 of 3 failed' bad2.err || fail "failed ckpt rank not named: $(cat bad2.err)"
# meta --mode hard on ranks that do not see rank 0's directory (another working directory, so another
# --dir): the rank is named, the job fails without a hang, and rank 0 removes its directory.
mkdir elsewhere
set +e
timeout 120 mpirun --allow-run-as-root --oversubscribe -np 1 "$DSBENCH" meta --dir . --files 5 --mode hard : \
  -np 1 --wdir "$T/elsewhere" "$DSBENCH" meta --dir . --files 5 --mode hard > /dev/null 2> bad3.err
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "meta hard, shared directory unseen: exit $rc"
grep -q 'rank 1 of 2 failed' bad3.err || fail "unseeing rank not named: $(cat bad3.err)"
grep -q 'all ranks share' bad3.err || fail "no advice: $(cat bad3.err)"
[ -z "$(find . elsewhere -maxdepth 1 -name 'dsbench-meta.*')" ] || fail "meta left rank 0's directory"
# Options one process only can honour are refused on every rank, without a hang.
expect_rc "--find-max under MPI" 2 run_ranks 2 "$DSBENCH" train --data ds --compute-time 0 --find-max
echo OK
