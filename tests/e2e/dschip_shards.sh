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
# --resume on a complete sharded run reuses every chip and writes the same shards.
cp -r tars tars.before
dschip my.slide.tif -o tars --no-mask -s 100 --shard-size 10 -j 2 --resume --json >r.json
grep -q '"chips":45,"resumed":45,' r.json || fail "resume with shards: $(cat r.json)"
for s in tars.before/shard-*.tar; do expect_same_file "resumed ${s##*/}" "$s" "tars/${s##*/}"; done

# Labels: one for every chip, or per image from a label map; dsbalance counts them from the manifest.
cp my.slide.tif other.tif
printf 'images/other.tif,tumor\n' >labels.csv
dschip my.slide.tif other.tif -o lab --no-mask -s 300 --label normal --label-map labels.csv >/dev/null
expect_eq "labels" "normal normal normal tumor tumor tumor" \
  "$(awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "label") c = i } NR > 2 { print $c }' lab/chips.tsv |
    sort | tr '\n' ' ' | sed 's/ $//')"
dsbalance --json lab/chips.tsv >bal.json || fail "dsbalance cannot read the chip manifest"
grep -q '"tumor"' bal.json || fail "dsbalance: $(head -c 300 bal.json)"
