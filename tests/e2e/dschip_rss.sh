# Peak RSS does not grow with the image: chipping a 20000 x 20000 JPEG-tiled pyramidal BigTIFF (1.2 GB
# decoded) stays under 300 MB and within 64 MB of chipping a 2000 x 2000 one (peak RSS from --stats,
# getrusage ru_maxrss).
. "$(dirname "$0")/lib.sh"
command -v vips >/dev/null || fail "vips is required (libvips-tools)"
# Under AddressSanitizer, freed memory sits in a quarantine that would otherwise count as growth.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
vips gaussnoise r.v 500 500 --mean 190 --sigma 40
vips gaussnoise g.v 500 500 --mean 100 --sigma 40
vips gaussnoise b.v 500 500 --mean 170 --sigma 40
vips bandjoin "r.v g.v b.v" tf.v
vips cast tf.v tile.v uchar
vips replicate tile.v "big.tif[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=75,bigtiff]" 40 40
vips replicate tile.v "small.tif[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=75,bigtiff]" 4 4

peak() {  # IMAGE OUT: peak RSS in MB of chipping IMAGE
  dschip "$1" -o "$2" --no-mask -s 256 -q 50 --stats -j 2 2>stats >/dev/null
  sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' stats
}
small=$(peak small.tif s)
big=$(peak big.tif b)
[ -n "$small" ] && [ -n "$big" ] || fail "no peak RSS in --stats: $(cat stats)"
expect_eq "big chips" 6084 "$(ls b/big | wc -l)"  # 78 x 78 chips of 256 in 20000
echo "peak RSS: 2000^2 ${small} MB, 20000^2 ${big} MB" >&2
[ "$big" -lt 300 ] || fail "peak RSS $big MB on a 20000 x 20000 image (limit 300)"
[ "$((big - small))" -lt 64 ] || fail "peak RSS grew from $small MB to $big MB with the image"
