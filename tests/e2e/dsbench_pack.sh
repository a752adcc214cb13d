# dsbench randread --data and train --data over a dspack pack read its samples (a sample = its members at their
# offsets in the shards): the counts and bytes in --json equal what Python's tarfile finds in the shards, each
# epoch reads every sample key once, and under MPI the ranks share the samples. A hostile index.tsv (a shard
# name with "..", an absolute one, a symbolic link or FIFO as a shard, an offset past the shard's end, a huge
# size, a malformed offset) is an input error (exit 2) before anything is read, and nothing outside the pack
# is opened (strace, when installed). A directory whose index.tsv is not a dspack index is read as files.
. "$(dirname "$0")/lib.sh"

mkdir -p src/cat src/dog
for i in $(seq 1 24); do
  head -c $((i * 1301 % 9000 + 1)) /dev/urandom > src/cat/$i.jpg
  echo "{\"n\":$i}" > src/cat/$i.json
  head -c $((i * 733 % 20000 + 1)) /dev/urandom > src/dog/$i.png
done
dspack build src -o p --samples-per-shard 7 --seed 3 2> /dev/null
# The oracle: Python's tarfile over the shards (members, their bytes, sample keys), not index.tsv.
read -r nsamples nmembers nbytes nshards < <(/usr/bin/python3 - p <<'PY'
import glob, sys, tarfile
keys, members, size = set(), 0, 0
shards = sorted(glob.glob(sys.argv[1] + "/shard-*.tar"))
for s in shards:
    for m in tarfile.open(s):
        if m.isfile():
            members += 1; size += m.size
            d, _, base = m.name.rpartition("/")
            keys.add((s, (d + "/" if d else "") + base.split(".", 1)[0]))
print(len(keys), members, size, len(shards))
PY
)
expect_eq "samples in the pack" 48 "$nsamples"
[ "$nshards" -ge 7 ] || fail "only $nshards shards"
awk -F'\t' 'NR > 2 {print $7}' p/index.tsv | sort -u > keys.txt

check() {  # FILE EPOCHS: the --json of randread over the pack
  python3 - "$1" "$2" "$nsamples" "$nmembers" "$nbytes" "$nshards" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
epochs, samples, members, size, shards = map(int, sys.argv[2:])
assert r["format"] == "pack", r["format"]
assert r["pack"] == {"dir": "p", "samples": samples, "members": members, "shards": shards, "bytes": size}, r["pack"]
assert r["dataset_files"] == samples and r["dataset_bytes"] == size, r
assert r["samples"] == r["files"] == samples * epochs, r["samples"]
assert r["bytes"] == size * epochs, (r["bytes"], size * epochs)
assert r["errors"] == 0 and r["ops"] >= members * epochs
assert "open" not in r["latencies"]
assert r["latencies"]["file"]["count"] == samples * epochs
PY
}
for engine in psync io_uring; do
  dsbench randread --data p --epochs 2 --threads 3 --engine $engine --iodepth 4 --block 4k --seed 5 --json \
    --trace trace.$engine.tsv > r.json
  check r.json 2
  for e in 0 1; do
    awk -F'\t' -v e=$e 'NR > 1 && $1 == e {print $3}' trace.$engine.tsv | sort > epoch.txt
    expect_same_file "epoch $e reads every sample once ($engine)" keys.txt epoch.txt
  done
done
dsbench randread --data p --buffered --drop-cache --json > b.json 2> /dev/null
check b.json 1
dsbench randread --data p --buffered > text.txt 2> /dev/null
grep -q "pack of $nsamples samples, $nmembers members in $nshards shards" text.txt || fail "text: $(cat text.txt)"
grep -q "^samples $nsamples  samples/s" text.txt || fail "text: $(cat text.txt)"

# train: 48 samples in batches of 5 on 2 accelerators; every sample's members once.
dsbench train --data p --batch 5 --compute-time 1ms --accelerators 2 --json > t.json
python3 - t.json "$nsamples" "$nbytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); samples, size = int(sys.argv[2]), int(sys.argv[3])
assert r["format"] == "pack" and r["pack"]["samples"] == samples, r
assert r["samples"] == samples and r["bytes"] == size, (r["samples"], r["bytes"])
assert sum(a["bytes"] for a in r["per_accelerator"]) == size
assert r["errors"] == 0 and "open" not in r["latencies"]
PY
dsbench train --data p --batch 5 --compute-time 1ms > t.txt
grep -q "pack of $nsamples samples" t.txt || fail "train text: $(cat t.txt)"

# Two ranks read disjoint shares that add up to the pack. Open MPI's own allocations are still held at exit:
# LeakSanitizer would report them, not ours.
if command -v mpirun > /dev/null; then
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$DSKIT_BIN/dsbench" randread --data p --json \
    > m.json 2> m.err || fail "mpirun: $(cat m.err)"
  python3 - m.json "$nsamples" "$nbytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ranks"] == 2 and r["files"] == int(sys.argv[2]) and r["bytes"] == int(sys.argv[3]), r
PY
fi

# A directory with an index.tsv that is not a dspack index (no shard/offset columns, or a link) holds files.
mkdir plain
printf 'a\tb\n1\t2\n' > plain/index.tsv
head -c 5000 /dev/urandom > plain/x.bin
dsbench randread --data plain --json > plain.json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["format"] == "files" and r["pack"] is None and r["files"] == 2, r' plain.json
mkdir linked
cp p/shard-000000.tar linked/
ln -s "$T/p/index.tsv" linked/index.tsv
dsbench randread --data linked --json > linked.json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["format"] == "files" and r["files"] == 1, r' linked.json

# Hostile index.tsv: exit 2 naming the cause, nothing read, nothing opened outside the pack.
cp p/shard-000001.tar outside.tar
mkfifo outside.fifo
first=$(awk -F'\t' 'NR == 3' p/index.tsv)
shard=$(cut -f5 <<< "$first") offset=$(cut -f6 <<< "$first")
# The opens of a run, when strace is installed (its exit status is the traced command's); not in a sanitized
# build, whose LeakSanitizer cannot run under ptrace.
traced=()
if command -v strace > /dev/null && ! sanitized_build "$DSKIT_BIN/dsbench"; then
  traced=(strace -f -qq -e trace=open,openat,openat2 -o trace.txt)
fi
hostile() {  # WHAT PATTERN: q is p with a change made by the caller
  local what=$1 pat=$2
  : > trace.txt
  capture out.json "${traced[@]}" timeout 20 dsbench randread --data q --json
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2 ($(cat err.txt))"
  grep -q -- "$pat" err.txt || fail "$what: message [$(cat err.txt)] lacks [$pat]"
  [ -s out.json ] && fail "$what: a report was printed"
  if grep -E 'outside\.(tar|fifo)|/etc/passwd' trace.txt; then fail "$what: opened outside the pack"; fi
  return 0
}
edit() {  # SED-EXPRESSION on a fresh copy of the pack's index
  rm -rf q
  cp -r p q
  sed -i "$1" q/index.tsv
  cmp -s p/index.tsv q/index.tsv && fail "the index was not changed by $1"
  return 0
}
edit "3s/\t$shard\t/\t..\/outside.tar\t/"
hostile "a shard name with .." "not a plain file name"
edit "3s/\t$shard\t/\t\/etc\/passwd\t/"
hostile "an absolute shard name" "not a plain file name"
edit "3s/\t$shard\t$offset\t/\t$shard\t99999999\t/"
hostile "an offset past the shard's end" "beyond the shard"
edit "3s/\t$shard\t$offset\t/\t$shard\t1x\t/"
hostile "a malformed offset" "not a byte range"
edit "3s/\t$shard\t$offset\t/\t$shard\t18446744073709551615\t/"
hostile "an offset of 2^64-1" "not a byte range"
for size in 9000000000000000000 9223372036854775807; do
  edit "3s/^\([^\t]*\)\t[0-9]*\t/\1\t$size\t/"
  hostile "a size of $size" "beyond the shard\|not a byte range"
done
rm -rf q && cp -r p q && rm q/shard-000001.tar && ln -s "$T/outside.tar" q/shard-000001.tar
hostile "a symbolic link as a shard" "symbolic link"
rm -rf q && cp -r p q && rm q/shard-000001.tar && ln -s "$T/outside.fifo" q/shard-000001.tar
hostile "a link to a FIFO as a shard" "symbolic link"
rm -rf q && cp -r p q && rm q/shard-000001.tar && mkfifo q/shard-000001.tar
hostile "a FIFO as a shard" "not a regular file"
rm -rf q && cp -r p q && rm q/shard-000001.tar
hostile "a missing shard" "shard-000001.tar: No such file"
echo OK
