# dschip on a failing network filesystem (the latfs fault mount): an image whose reads fail is named with
# the cause (the I/O error, not a guess at its format) and counted, the batch goes on, exit 1; an image
# listed but gone is named; images read through short reads chip exactly as from the underlying tree, and
# chips.tsv lists exactly their chips.
. "$(dirname "$0")/faults_latfs.sh"
command -v vips > /dev/null || fail "vips is required (libvips-tools)"

mkdir -p src/sub
vips gaussnoise n.v 96 64 --mean 128 --sigma 60
vips bandjoin "n.v n.v n.v" nf.v
vips cast nf.v n3.v uchar
for name in good.png sub/bad.png short.png gone.png; do vips pngsave n3.v "src/$name"; done
vips tiffsave n3.v src/short_tiled.tif --tile --tile-width 32 --tile-height 32
vips tiffsave n3.v src/sub/bad_tiled.tif --tile --tile-width 32 --tile-height 32
chip() { dschip "$@" -s 16 -f png --no-mask; }

# The oracle: the readable images chipped from the underlying tree.
mkdir ref_src
cp src/good.png src/short.png src/short_tiled.tif ref_src/
chip ref_src -o ref > /dev/null
# chips.tsv rows without root-dependent columns (mtime_ns, ino) and the image path: path, size, hash, geometry.
rows() { awk -F'\t' 'NR > 2 { $3 = $4 = $6 = ""; print }' "$1" | sort; }

faults_mount src mnt fail_read='*bad*' vanish='gone*' short_read='short*'
expect_rc "dschip with failing images" 1 chip mnt -o out > /dev/null 2> err
grep -qE '^dschip: mnt/sub/bad\.png: .*Input/output error' err || fail "EIO on bad.png not named: $(cat err)"
grep -qE '^dschip: mnt/sub/bad_tiled\.tif: .*Input/output error' err ||
  fail "EIO on bad_tiled.tif not named: $(cat err)"
grep -qE '^dschip: mnt/gone\.png: .*No such file or directory' err || fail "vanished gone.png not named: $(cat err)"
expect_eq "error lines" 3 "$(wc -l < err)"
for d in good short short_tiled; do
  diff -r "ref/$d" "out/$d" > /dev/null || fail "chips of $d differ from the underlying tree's"
done
expect_eq "no chips of failed images" "" "$(ls -d out/bad* out/gone* 2> /dev/null)"
rows ref/chips.tsv > want
rows out/chips.tsv > got
[ "$(wc -l < want)" -eq 72 ] || fail "oracle: $(wc -l < want) chips, expected 72"
expect_same_file "chips.tsv lists exactly the chips of the readable images" want got
echo "ok"
