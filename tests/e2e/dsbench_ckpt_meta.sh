# dsbench ckpt writes files of the requested sizes whose XXH3-64 (checked with xxhsum) is what it reports;
# --verify reads them back; without --keep nothing is left. dsbench meta runs every phase and cleans up.
. "$(dirname "$0")/lib.sh"

mkdir ck
dsbench ckpt --dir ck --writers 3 --size 3M --shards 3 --block 256k --engine io_uring --iodepth 4 --verify --keep \
  --json --timeseries ts.csv > ck.json
expect_eq "files" 9 "$(find ck -type f | wc -l)"
find ck -type f -printf '%s\n' | sort -u > sizes.txt
expect_eq "sizes" 1048576 "$(cat sizes.txt)"
python3 - ck.json > expected.txt <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "ckpt" and r["complete"] and r["writers"] == 3 and r["shards"] == 3, r
assert r["bytes"] == 9 << 20 and r["ops"] == 9 * 4 and r["errors"] == 0
assert r["verify"]["ok"] and r["verify"]["mismatches"] == 0 and r["verify"]["bytes"] == 9 << 20
assert r["fsync_latency_ns"]["count"] == 9 and r["durable_s"] is not None
assert sum(w["bytes"] for w in r["per_writer"]) == r["bytes"]
assert r["slowest_writer"] in (0, 1, 2) and not r["removed"]
for f in sorted(r["files"], key=lambda f: f["path"]):
    print(f["xxh3_64"], f["path"])
PY
for f in ck/*; do xxhsum -H3 "$f" 2> /dev/null | sed -E 's/^XXH3 \((.*)\) = ([0-9a-f]+)$/\2 \1/'; done | sort -k2 > actual.txt
expect_same_file "checksums (xxhsum)" expected.txt actual.txt
[ "$(sort -u -k1,1 actual.txt | wc -l)" -eq 9 ] || fail "two checkpoint files have the same content"
head -1 ts.csv | grep -qx 't_s,ops,bytes,iops,bandwidth_bytes_per_s' || fail "time series header"
rm ck/*
# Without --keep nothing is left; --no-fsync reports no durable time.
dsbench ckpt --dir ck --writers 2 --size 1M --no-fsync --json > nf.json
[ -z "$(ls -A ck)" ] || fail "ckpt left files"
python3 -c "import json; r = json.load(open('nf.json')); assert r['durable_s'] is None and r['fsync_latency_ns']['count'] == 0 and r['removed'], r"
dsbench ckpt --dir ck --writers 2 --size 1M > table.txt
grep -q "durable after" table.txt || fail "table: $(cat table.txt)"

mkdir md
for mode in easy hard; do
  dsbench meta --dir md --threads 2 --files 300 --file-size 1k --mode $mode --json > meta.json
  python3 - meta.json $mode <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "meta" and r["meta_mode"] == sys.argv[2] and r["errors"] == 0, r
ph = {p["name"]: p for p in r["phases"]}
assert list(ph) == ["create", "stat", "read", "readdir", "unlink"], list(ph)
for name in ("create", "stat", "read", "unlink"):
    assert ph[name]["ops"] == 600 and ph[name]["latency_ns"]["count"] == 600, ph[name]
assert ph["readdir"]["ops"] == (600 if sys.argv[2] == "easy" else 1200)
assert r["bytes"] == 2 * 600 * 1024 and r["removed"]
PY
  [ -z "$(ls -A md)" ] || fail "meta $mode left files"
done
dsbench meta --dir md --files 10 | grep -q "^unlink " || fail "meta table"
echo OK
