# dschip across MPI ranks: a cohort of slides of different sizes (two split between ranks by block rows) and
# one unreadable slide, chipped by 2 and 3 ranks, gives the chip files, chips.tsv rows (all columns but mtime
# and inode) and shards (cmp) of one process; --resume under another rank count remakes removed chips and
# shards exactly; a rank killed mid-run makes the job exit non-zero naming it, without hanging.
. "$(dirname "$0")/lib.sh"
need_vips
need_mpirun
export RANKS_TIMEOUT=60  # a hung job fails the test in a minute
mkdir s
i=0
for wh in "600 400" "1200 1600" "300 300" "2000 1000" "500 900"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  NOISE_SEED=$i noise_rgb n.v $wh 128 60
  vips tiffsave n.v "s/slide$i.tif" --tile --tile-width 128 --tile-height 128 --compression jpeg
done
echo "not a slide" > s/slide6.tif
rows() { awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { $3 = $4 = ""; print }' "$1"; }
chip() { dschip s -s 64 --no-mask "$@"; }

expect_rc "one process" 1 chip -o one > /dev/null 2> /dev/null
expect_rc "one process, shards" 1 chip -o one_sh --shard-size 100 > /dev/null 2> /dev/null
# 2 ranks writing chip files (through a symbolic link planted at OUT/.dschip-parts: removed, never followed),
# 3 ranks writing shards.
mkdir -p r2 elsewhere
ln -s ../elsewhere r2/.dschip-parts
set +e
run_ranks 2 dschip s -s 64 --no-mask -o r2 --json > r2.json 2> r2.err
rc=$?
run_ranks 3 dschip s -s 64 --no-mask -o r3_sh --shard-size 100 > /dev/null 2> /dev/null
rc_sh=$?
set -e
[ "$rc" -ne 124 ] && [ "$rc_sh" -ne 124 ] || fail "ranks: hung"
[ "$rc" -eq 1 ] && [ "$rc_sh" -eq 1 ] || fail "ranks: exit $rc and $rc_sh with an unreadable slide, expected 1"
diff -r -x chips.tsv one r2 > d.txt || fail "2 ranks: chip files differ: $(head d.txt)"
rows one/chips.tsv > want
rows r2/chips.tsv > got
expect_same_file "chips.tsv rows with 2 ranks" want got
rows one_sh/chips.tsv > want
rows r3_sh/chips.tsv > got
expect_same_file "chips.tsv rows with 3 ranks, shards" want got
for t in one_sh/shard-*.tar; do expect_same_file "3 ranks: $(basename "$t")" "$t" "r3_sh/$(basename "$t")"; done
expect_eq "3 ranks: shards" "$(echo one_sh/*.tar | wc -w)" "$(echo r3_sh/*.tar | wc -w)"
[ ! -e r2/.dschip-parts ] && [ ! -e r3_sh/.dschip-parts ] || fail "parts left behind"
expect_eq "nothing written through the planted link" "" "$(ls -A elsewhere)"
grep -q 'dschip: .*slide6.tif: unsupported image format' r2.err || fail "2 ranks: error: $(cat r2.err)"
python3 - r2.json 2 << 'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["image"] for r in recs] == ["s/slide%d.tif" % i for i in range(1, 7)], recs
assert all(0 <= r["rank"] < int(sys.argv[2]) for r in recs), recs
assert recs[5]["status"] == "failed" and all(r["status"] == "ok" for r in recs[:5]), recs
assert [r["pieces"] for r in recs] == [1, 2, 1, 2, 1, 1], recs  # the two largest split between the ranks
PY

# --resume under another rank count: removed chips and a removed shard are made again, the rest kept.
rm r2/slide2/0_0.jpg r2/slide4/1920_896.jpg r2/slide5/64_64.jpg
set +e
run_ranks 3 dschip s -s 64 --no-mask -o r2 --resume --json > res.json 2> /dev/null
set -e
diff -r -x chips.tsv one r2 > d.txt || fail "resume: chip files differ: $(head d.txt)"
rows one/chips.tsv > want
rows r2/chips.tsv > got
expect_same_file "resume: chips.tsv rows" want got
python3 -c '
import json, sys
recs = [json.loads(l) for l in open("res.json")]
made = sum(r["chips"] - r["resumed"] for r in recs)
assert made == 3, recs' || fail "resume remade other than the 3 removed chips: $(cat res.json)"
rm r3_sh/shard-000002.tar
set +e
run_ranks 2 dschip s -s 64 --no-mask -o r3_sh --shard-size 100 --resume > /dev/null 2> /dev/null
set -e
for t in one_sh/shard-*.tar; do expect_same_file "resume: $(basename "$t")" "$t" "r3_sh/$(basename "$t")"; done

# A rank killed mid-run (SIGKILL once the first piece is done, the cohort's 24 slides far from done): non-zero
# exit naming the rank, no hang.
cat > kill1.sh << 'SH'
#!/bin/sh
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
  (while [ -z "$(ls out_k/.dschip-parts/*/chips.tsv 2> /dev/null)" ]; do sleep 0.01; done; kill -9 $$) &
fi
exec "$@"
SH
chmod +x kill1.sh
set +e
run_ranks 2 ./kill1.sh dschip s s s s -s 64 --no-mask -o out_k > /dev/null 2> kill.err
rc=$?
set -e
[ "$rc" -ne 124 ] || fail "a killed rank hung the job"
[ "$rc" -ne 0 ] || fail "a killed rank: exit 0"
grep -qi 'rank 1' kill.err || fail "the killed rank is not named: $(cat kill.err)"
echo "ok"
