# --shard-size writes WebDataset-style tar shards that `tar` lists and extracts, holding byte for byte the
# chips of the file layout; the manifest names members and shards; the output is the same for 1 and 2 threads.
. "$(dirname "$0")/lib.sh"
command -v vips >/dev/null || fail "vips is required (libvips-tools)"
vips gaussnoise n.v 900 500 --mean 128 --sigma 50
vips bandjoin "n.v n.v n.v" nf.v
vips cast nf.v n3.v uchar
vips tiffsave n3.v my.slide.tif --tile --compression jpeg

dschip my.slide.tif -o files --no-mask -s 100 >/dev/null
dschip my.slide.tif -o tars --no-mask -s 100 --shard-size 10 -j 2 >/dev/null
dschip my.slide.tif -o tars1 --no-mask -s 100 --shard-size 10 -j 1 >/dev/null
expect_eq "shards" "shard-000000.tar shard-000001.tar shard-000002.tar shard-000003.tar shard-000004.tar" \
  "$(cd tars && echo shard-*.tar)"
for s in tars/shard-*.tar; do expect_same_file "threads" "$s" "tars1/${s#tars/}"; done
expect_eq "members" 45 "$(for s in tars/shard-*.tar; do tar tf "$s"; done | wc -l)"
expect_eq "first member" "my_slide_0_0.jpg" "$(tar tf tars/shard-000000.tar | head -1)"
mkdir x
for s in tars/shard-*.tar; do tar xf "$s" -C x; done
for f in files/my.slide/*.jpg; do
  b=$(basename "$f")
  expect_same_file "member $b" "$f" "x/my_slide_$b"
done
grep -q $'\tshard$' <(sed -n 2p tars/chips.tsv) || fail "no shard column: $(sed -n 2p tars/chips.tsv)"
expect_eq "manifest rows" 45 "$(tail -n +3 tars/chips.tsv | wc -l)"
expect_rc "resume with shards" 2 dschip my.slide.tif -o tars --shard-size 10 --resume
