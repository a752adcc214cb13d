# dsmanifest shuffle, shard and split on bad input: exit 2 for a bad command line or input file, 3 when the
# output cannot be written, and nothing half-written left behind.
. "$(dirname "$0")/lib.sh"

{
  printf '#dskit-manifest v1\troot=/data\thash=none\n'
  printf 'path\tsize\tmtime_ns\tlabel\n'
  for i in $(seq 0 99); do printf 'c%d/f%d.jpg\t%d\t1700000000000000000\tc%d\n' $((i % 3)) "$i" "$i" $((i % 3)); done
} > m.tsv

# Bad ratios.
for r in 0.8,0.1 0.8,x 1 0.5,-0.5,1 "" 0.5,,0.5; do
  expect_rc "split --ratios '$r'" 2 dsmanifest split m.tsv --ratios "$r"
done
expect_rc "split names count" 2 dsmanifest split m.tsv --ratios 0.5,0.5 --names a,b,c
expect_rc "split duplicate names" 2 dsmanifest split m.tsv --ratios 0.5,0.5 --names a,a
expect_rc "split name with a slash" 2 dsmanifest split m.tsv --ratios 0.5,0.5 --names a,../b
expect_rc "split bad regex" 2 dsmanifest split m.tsv --ratios 0.5,0.5 --group-regex '('
expect_rc "split -o and --out-dir" 2 dsmanifest split m.tsv --ratios 0.5,0.5 -o x --out-dir y
# --stratify without a label column.
cut -f1-3 m.tsv > nolabel.tsv
expect_rc "split --stratify without labels" 2 dsmanifest split nolabel.tsv --ratios 0.5,0.5 --stratify

# Bad ranks and shuffle options.
expect_rc "rank == world" 2 dsmanifest shard m.tsv --rank 4 --world 4
expect_rc "rank > world" 2 dsmanifest shard m.tsv --rank 9 --world 4
expect_rc "world 0" 2 dsmanifest shard m.tsv --rank 0 --world 0
expect_rc "negative rank" 2 dsmanifest shard m.tsv --rank -1 --world 4
expect_rc "no world" 2 dsmanifest shard m.tsv --rank 0
expect_rc "--drop-last and --pad" 2 dsmanifest shard m.tsv --rank 0 --world 2 --drop-last --pad
expect_rc "--epoch without --seed" 2 dsmanifest shard m.tsv --rank 0 --world 2 --epoch 3
expect_rc "shuffle without --seed" 2 dsmanifest shuffle m.tsv
expect_rc "shuffle bad seed" 2 dsmanifest shuffle m.tsv --seed abc
expect_rc "--block 0" 2 dsmanifest shuffle m.tsv --seed 1 --block 0
expect_rc "--window without --block" 2 dsmanifest shuffle m.tsv --seed 1 --window 4
expect_rc "--block and --shard-local" 2 dsmanifest shuffle m.tsv --seed 1 --block 4 --shard-local
expect_rc "--partitions 0" 2 dsmanifest shuffle m.tsv --seed 1 --shard-local --partitions 0

# Missing and malformed input files.
expect_rc "shuffle missing file" 2 dsmanifest shuffle missing.tsv --seed 1
expect_rc "shard missing file" 2 dsmanifest shard missing.tsv --rank 0 --world 1
expect_rc "split missing file" 2 dsmanifest split missing.tsv --ratios 0.5,0.5
printf 'not a manifest\n' > bad.tsv
expect_rc "shuffle malformed file" 2 dsmanifest shuffle bad.tsv --seed 1
err=$(dsmanifest shuffle missing.tsv --seed 1 2>&1 || true)
[[ $err == *missing.tsv* ]] || fail "the error names the file: [$err]"

# Unwritable output: exit 3, the old file kept, no temporary left behind.
mkdir ro && echo old > ro/out.tsv && chmod 555 ro
expect_rc "shuffle into a read-only directory" 3 as_nobody dsmanifest shuffle m.tsv --seed 1 -o ro/out.tsv
expect_eq "old output kept" old "$(cat ro/out.tsv)"
expect_eq "no temporary left" "out.tsv" "$(ls -A ro)"
expect_rc "shard into a missing directory" 3 dsmanifest shard m.tsv --rank 0 --world 2 -o nodir/x.tsv
expect_rc "split --out-dir under a file" 3 dsmanifest split m.tsv --ratios 0.5,0.5 --out-dir m.tsv/sub
# A reader that goes away is not an error.
dsmanifest shuffle m.tsv --seed 1 | head -1 > /dev/null
expect_rc "EPIPE is quiet" 0 bash -c 'set -o pipefail; dsmanifest shuffle m.tsv --seed 1 | head -c 10 > /dev/null; exit ${PIPESTATUS[0]}'
echo ok
