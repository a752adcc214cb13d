# dsmanifest split: the split of every existing file stays put when files are added (and when rows are
# reordered); --group-regex keeps a group together; shuffle and shard are deterministic and epochs differ.
. "$(dirname "$0")/lib.sh"

gen() {  # gen FIRST LAST: rows for files FIRST..LAST
  for i in $(seq "$1" "$2"); do printf 'patient%d/slide%d.svs\t%d\t1700000000000000000\tclass%d\n' $((i / 4)) "$i" "$i" $((i % 5)); done
}
meta() { printf '#dskit-manifest v1\troot=/data\thash=none\npath\tsize\tmtime_ns\tlabel\n'; }
{ meta; gen 0 1999; } > before.tsv
{ meta; gen 0 2999 | sort -R --random-source=<(yes); } > after.tsv

for args in "" "--group-regex ^(patient[0-9]+)/"; do
  # shellcheck disable=SC2086
  dsmanifest split before.tsv --ratios 0.8,0.1,0.1 $args | tail -n +3 | cut -f1,5 | sort > a
  # shellcheck disable=SC2086
  dsmanifest split after.tsv --ratios 0.8,0.1,0.1 $args | tail -n +3 | cut -f1,5 | sort > b
  join -t $'\t' a b | awk -F'\t' '$2 != $3 { bad++ } END { exit bad > 0 }' || fail "split moved existing files ($args)"
  expect_eq "every old file still there ($args)" 2000 "$(join -t $'\t' a b | wc -l)"
  for s in train val test; do grep -q $'\t'"$s"'$' b || fail "no $s rows ($args)"; done
done
# A group (patient) never straddles two splits.
dsmanifest split after.tsv --ratios 0.6,0.2,0.2 --group-regex '^(patient[0-9]+)/' | tail -n +3 |
  awk -F'\t' '{ split($1, p, "/"); if ((p[1] in s) && s[p[1]] != $5) bad++; s[p[1]] = $5 } END { exit bad > 0 }' ||
  fail "a patient's files are in two splits"
# Stratified: every class gets its share of patients-free rows (400 per class: 320/40/40).
dsmanifest split before.tsv --ratios 0.8,0.1,0.1 --stratify | tail -n +3 | cut -f4,5 | sort | uniq -c |
  awk '{ print $2, $3, $1 }' > strat
while read -r cls split count; do
  case $split in train) want=320 ;; *) want=40 ;; esac
  expect_eq "stratified $cls $split" "$want" "$count"
done < strat
expect_eq "stratified rows" 15 "$(wc -l < strat)"

# Shuffle: deterministic; epochs differ; a permutation of the rows.
dsmanifest shuffle before.tsv --seed 7 --epoch 1 > s1
dsmanifest shuffle before.tsv --seed 7 --epoch 1 > s2
dsmanifest shuffle before.tsv --seed 7 --epoch 2 > s3
expect_same_file "same seed and epoch" s1 s2
cmp -s s1 s3 && fail "epochs 1 and 2 give the same order"
expect_eq "a permutation" "$(tail -n +3 before.tsv | sort | md5sum)" "$(tail -n +3 s3 | sort | md5sum)"
# Shard: the concatenation of the ranks' shares is the shuffled order, for any world size.
for w in 1 2 5 7; do
  : > cat.tsv
  for r in $(seq 0 $((w - 1))); do dsmanifest shard before.tsv --rank "$r" --world "$w" --seed 7 --epoch 1 | tail -n +3 >> cat.tsv; done
  tail -n +3 s1 > s1.rows
  expect_same_file "shards of world $w" s1.rows cat.tsv
done
echo ok
