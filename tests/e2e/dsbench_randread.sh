# dsbench randread reads exactly the requested files and bytes (checked against find and stat), in an order
# the seed reproduces, from a directory, a file list and a manifest; --file obeys its budget.
. "$(dirname "$0")/lib.sh"

mkdir ds
for i in $(seq 1 40); do head -c $((i * 997 % 30000 + 1)) /dev/urandom > ds/f$i.bin; done
: > ds/empty.bin
find ds -type f | sort > expected.txt
total=$(find ds -type f -printf '%s\n' | awk '{s += $1} END {print s}')
nfiles=$(wc -l < expected.txt)

check_json() {  # FILE EPOCHS
  python3 - "$1" "$2" "$nfiles" "$total" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
epochs, n, total = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert r["mode"] == "randread", r
assert r["files"] == n * epochs, (r["files"], n * epochs)
assert r["bytes"] == total * epochs, (r["bytes"], total * epochs)
assert r["dataset_files"] == n and r["dataset_bytes"] == total
assert r["errors"] == 0
assert sum(t["files"] for t in r["per_thread"]) == r["files"]
assert sum(t["bytes"] for t in r["per_thread"]) == r["bytes"]
for k in ("open", "first_byte", "file"):
    assert r["latencies"][k]["count"] == n * epochs, k
lat = r["latency_ns"]
assert lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"]
PY
}
# A directory, 3 epochs, io_uring and psync: every file once per epoch.
for engine in psync io_uring; do
  dsbench randread --data ds --epochs 3 --threads 3 --engine $engine --iodepth 4 --block 8k --seed 5 --json \
    --trace trace.$engine.tsv --timeseries ts.csv > out.json
  check_json out.json 3
  for e in 0 1 2; do
    awk -F'\t' -v e=$e 'NR > 1 && $1 == e {print $3}' trace.$engine.tsv | sort > epoch.txt
    expect_same_file "epoch $e covers every file once ($engine)" expected.txt epoch.txt
  done
  head -1 ts.csv | grep -qx 't_s,ops,bytes,iops,bandwidth_bytes_per_s' || fail "time series header"
done
# The seed, not the engine or thread count, decides the order; another seed gives another order.
expect_same_file "same seed, same order" trace.psync.tsv trace.io_uring.tsv
dsbench randread --data ds --epochs 3 --threads 1 --seed 6 --trace other.tsv > /dev/null
cmp -s trace.psync.tsv other.tsv && fail "seed 6 gave the order of seed 5"
[ "$(awk 'NR>1 && $1==0' trace.psync.tsv | head -5)" != "$(awk 'NR>1 && $1==1' trace.psync.tsv | head -5)" ] ||
  fail "epochs 0 and 1 start alike"

# A file list and a manifest give the same set.
find ds -type f > list.txt
dsbench randread --data list.txt --json > list.json
check_json list.json 1
dsmanifest build ds -o m.tsv
dsbench randread --data m.tsv --json --buffered 2> warn.txt > m.json
check_json m.json 1
grep -q "fit in RAM\|fits in RAM" warn.txt || fail "no page-cache warning in buffered mode: $(cat warn.txt)"

# --ops and --bytes budgets on --file are exact; --prepare makes, reads and removes its files.
head -c $((1 << 20)) /dev/urandom > big.bin
dsbench randread --file big.bin --threads 3 --ops 777 --json > ops.json
python3 -c "import json; r = json.load(open('ops.json')); assert r['ops'] == 777 and r['bytes'] == 777 * 4096, r"
dsbench randread --file big.bin --engine io_uring --iodepth 8 --bytes 1M --json > bytes.json
python3 -c "import json; r = json.load(open('bytes.json')); assert r['ops'] == 256 and r['bytes'] == 1 << 20 and r['iodepth'] == 8, r"
# --engine auto takes io_uring where the kernel allows it (else psync, with a warning); --drop-cache evicts first.
dsbench randread --file big.bin --engine auto --ops 100 --drop-cache --buffered --json > auto.json 2> auto.err
python3 - auto.json auto.err <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
assert r["ops"] == 100 and not r["direct"], r
assert r["engine"] == "io_uring" or (r["engine"] == "psync" and "io_uring is not available" in err), (r, err)
PY
dsbench randread --prepare prep --files 25 --size uniform:1k-64k --threads 2 --json > prep.json
python3 -c "import json; r = json.load(open('prep.json')); assert r['files'] == 25 and r['prepared'], r"
[ ! -e prep ] || fail "--prepare left prep behind"
dsbench randread --prepare prep --files 5 --size manifest:m.tsv --keep > /dev/null
expect_eq "kept files" 5 "$(find prep -type f | wc -l)"
find prep -type f -printf '%s\n' | while read -r s; do
  grep -q "	$s	" m.tsv || fail "size $s is not one of the manifest's sizes"
done
echo OK
