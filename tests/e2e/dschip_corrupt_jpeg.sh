# Corrupt JPEG data that libjpeg only warns about never becomes chips (issue 12 item 8): bytes flipped inside
# the entropy-coded data of a JPEG (its end-of-image marker intact; libjpeg: "Corrupt JPEG data: N
# extraneous bytes before marker 0xd9") make that image an error, as input, as --mask, and as a chip kept
# by --resume without chips.tsv; the same damage in a JPEG tile of a TIFF is an error naming the tile.
# dskit used to decode such JPEGs through OpenCV, which ignores libjpeg's warnings: grey-smeared chips, exit 0.
. "$(dirname "$0")/lib.sh"
need_vips
# A fixed image: whether 8 flipped scan bytes make libjpeg warn depends on the bytes.
NOISE_SEED=7 noise_rgb n.v 448 448 128 40
vips jpegsave n.v good.jpg --Q 90
vips tiffsave n.v tiles.tif --compression jpeg --Q 90 --tile --tile-width 224 --tile-height 224
# flip FILE OUT [OFFSET]: OUT is FILE with 8 bytes XORed with 0x5A halfway through the first JPEG scan at or
# after OFFSET (never making or breaking an 0xFF byte).
flip() {
  python3 - "$@" << 'EOF'
import sys
src, dst = sys.argv[1], sys.argv[2]
start = int(sys.argv[3]) if len(sys.argv) > 3 else 0
d = bytearray(open(src, 'rb').read())
i = d.index(b'\xff\xd8', start) + 2
while d[i + 1] != 0xDA:
    i += 2 + (d[i + 2] << 8 | d[i + 3])
scan = i + 2 + (d[i + 2] << 8 | d[i + 3])
end = d.index(b'\xff\xd9', scan)
for k in range((scan + end) // 2, (scan + end) // 2 + 8):
    if d[k] != 0xFF and d[k] ^ 0x5A != 0xFF:
        d[k] ^= 0x5A
open(dst, 'wb').write(d)
EOF
}
flip good.jpg bad.jpg
cmp -s good.jpg bad.jpg && fail "bad.jpg is not damaged"
expect_eq "same size" "$(stat -c %s good.jpg)" "$(stat -c %s bad.jpg)"

# As an input: an error for that image, the others chipped, exit 1.
err_is "corrupt JPEG input" 1 '^dschip: bad.jpg: corrupt data (libjpeg: Corrupt JPEG data' \
  dschip bad.jpg good.jpg -o out --no-mask
expect_eq "one error line" 1 "$(grep -c . err.txt)"
[ ! -e out/bad ] || [ -z "$(ls out/bad)" ] || fail "chips of the corrupt JPEG: $(ls out/bad)"
expect_eq "good chips" 4 "$(ls out/good | wc -l)"
grep -q '/bad\.jpg' out/chips.tsv && fail "chips.tsv lists the corrupt JPEG"

# As the --mask image.
err_is "corrupt mask" 1 'cannot read the mask image: corrupt data (libjpeg: ' \
  dschip good.jpg -o mout --mask bad.jpg

# A JPEG tile of a TIFF (libtiff's JPEG codec; its warnings were already errors).
tile1=$(tiffinfo -s tiles.tif 2> /dev/null | sed -n 's/^ *1: \[ *\([0-9]*\),.*/\1/p')
[ -n "$tile1" ] || fail "no offset of tile 1 in tiffinfo -s"
flip tiles.tif badtiles.tif "$tile1"
err_is "corrupt JPEG tile" 1 '^dschip: badtiles.tif: tile 1 (column 1, row 0) of level 0: corrupt data' \
  dschip badtiles.tif -o tout --no-mask

# --resume without chips.tsv (a run killed before writing it) keeps a chip only when it decodes cleanly:
# a chip of the right size and header with flipped scan bytes is made again.
dschip good.jpg -o res --no-mask > /dev/null
cp -r res before
rm res/chips.tsv
flip before/good/224_0.jpg res/good/224_0.jpg
dschip good.jpg -o res --no-mask --resume --json > r.json
grep -q '"chips":4,"resumed":3,' r.json || fail "resume counts: $(cat r.json)"
expect_same_file "chip made again" before/good/224_0.jpg res/good/224_0.jpg
