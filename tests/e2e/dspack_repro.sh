# dspack build is byte-reproducible: the same tree gives cmp-identical shards and indexes whatever -j; a
# manifest of the tree gives the same pack as the tree; --seed gives a permutation of the samples (the same
# for the same seed); --mtime, --samples-per-shard and --no-label do what they say; names WebDataset cannot
# key are skipped with a warning; a non-empty output directory or a missing source is a usage error.
. "$(dirname "$0")/lib.sh"
mkdir -p src/a src/b
for i in $(seq 1 40); do
  head -c $((i * 37)) /dev/urandom > src/a/$i.jpg
  echo "$i" > src/a/$i.txt
  head -c $((i * 11)) /dev/urandom > src/b/x$i.png
done
same_pack() {
  local f
  [ "$(ls "$1")" = "$(ls "$2")" ] || fail "$1 and $2 hold different files"
  for f in $(ls "$1"); do expect_same_file "$1/$f" "$1/$f" "$2/$f"; done
}
dspack build src -o p1 --shard-size 16k -j 1 2> /dev/null
dspack build src -o p8 --shard-size 16k -j 8 2> /dev/null
same_pack p1 p8
[ "$(ls p1/*.tar | wc -l)" -gt 2 ] || fail "expected several shards"
# A manifest of the tree packs to the same bytes.
dsmanifest build src -o m.tsv 2> /dev/null
dspack build m.tsv -o pm --shard-size 16k 2> /dev/null
same_pack p1 pm
# --seed: the same seed, the same pack; the samples a permutation of path order, not path order itself.
dspack build src -o s1 --seed 7 --shard-size 16k -j 2 2> /dev/null
dspack build src -o s2 --seed 7 --shard-size 16k -j 5 2> /dev/null
same_pack s1 s2
dspack ls p1 | cut -f1 > keys.path
dspack ls s1 | cut -f1 > keys.seed
[ "$(sort keys.path)" = "$(sort keys.seed)" ] || fail "--seed lost or added samples"
! cmp -s keys.path keys.seed || fail "--seed left the path order"
dspack build src -o s3 --seed 8 2> /dev/null
dspack ls s3 | cut -f1 > keys.seed8
! cmp -s keys.seed keys.seed8 || fail "seeds 7 and 8 gave the same order"
# --mtime, --samples-per-shard, --no-label.
dspack build src -o n --samples-per-shard 7 --no-label --mtime 1000000000 2> /dev/null
expect_eq "shards of 7 samples" 12 "$(ls n/*.tar | wc -l)"   # 80 samples
/usr/bin/python3 - n <<'PY' || fail "mtime / no-label check"
import sys, tarfile, glob
for s in sorted(glob.glob(sys.argv[1] + '/*.tar')):
    with tarfile.open(s) as t:
        ms = t.getmembers()
        assert all(m.mtime == 1000000000 for m in ms)
        assert not any(m.name.endswith('.cls') for m in ms)
        assert len({m.name.split('.')[0] for m in ms}) <= 7
PY
# Names without a key or an extension are skipped, with a warning.
touch src/README src/a/.hidden
err_is "skipped names" 0 "src\?/\?README: skipped\|README: skipped" dspack build src -o w
grep -q "a/.hidden: skipped" err.txt || fail "no warning for a/.hidden: $(cat err.txt)"
err_is "non-empty output" 2 "not empty" dspack build src -o w
err_is "missing source" 2 "nosuch" dspack build nosuch -o w2
err_is "bad size" 2 "shard-size" dspack build src -o w3 --shard-size 4q
echo OK
