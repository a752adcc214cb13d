# dschip --jpeg-copy: chips cut from a vips-made JPEG-tiled pyramidal TIFF without re-encoding decode to
# the source region (`vips extract_area`): exactly when the chip's edges are tile edges or the chroma is
# not subsampled, PSNR >= 50 dB otherwise; chips.tsv and --json say which chips were copied; an off-grid
# stride, a resize and edge chips past the image fall back to decode + encode, with the reason.
. "$(dirname "$0")/lib.sh"
need_vips

noise_rgb n.v 1000 700 128 60 100 50 160 30
vips gaussblur n.v src.v 1.5 # slide-like: texture, but no pixel-to-pixel chroma noise
vips cast src.v rgb.v uchar
# Q 85: vips subsamples chroma (4:2:0, 16-pixel JPEG blocks); Q 95: it does not (4:4:4, 8-pixel blocks).
vips tiffsave rgb.v s420.tif --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg --Q 85
vips tiffsave rgb.v s444.tif --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg --Q 95

# psnr IMAGE CHIP X Y W H: PSNR (dB, 999 when identical) of CHIP against IMAGE's region.
psnr() {
  vips extract_area "$1" ref.v "$3" "$4" "$5" "$6"
  vips rawsave ref.v ref.raw
  vips rawsave "$2" got.raw
  /usr/bin/python3 -c '
import sys, numpy as np
a = np.fromfile("ref.raw", np.uint8).astype(float); b = np.fromfile("got.raw", np.uint8).astype(float)
assert a.size == b.size, "sizes differ"
mse = ((a - b) ** 2).mean()
print(999 if mse == 0 else int(10 * np.log10(255 * 255 / mse)))'
}
at_least() { [ "$2" -ge "$3" ] || fail "$1: $2 dB, expected >= $3"; }

# Tile-aligned chips: every chip copied, each exactly the source's pixels.
dschip s420.tif s444.tif -o a --jpeg-copy --no-mask -s 256 --json >a.json
expect_eq "copied a" '2' "$(grep -c '"copied":6,"copy_fallback":""' a.json)"
expect_eq "copied column" 'copied' "$(sed -n 2p a/chips.tsv | tr '\t' '\n' | grep -x copied)"
expect_eq "all rows copied" 12 "$(awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "copied") c = i; next }
                                      NR > 2 && $c == 1 { n++ } END { print n }' a/chips.tsv)"
for xy in 0_0 256_256 512_0; do
  expect_eq "s420 $xy" 999 "$(psnr s420.tif a/s420/$xy.jpg ${xy%_*} ${xy#*_} 256 256)"
done
# Chips whose edges cut through tiles (and span 1, 2 and 4 tiles): 4:4:4 exact, 4:2:0 >= 50 dB.
dschip s420.tif s444.tif -o b --jpeg-copy --no-mask -s 160 --stride 96 --json >b.json
grep -q '"image":"s420.tif".*"copy_fallback":""' b.json || fail "s420 fell back: $(cat b.json)"
for xy in 96_96 192_0 192_192 480_384; do
  expect_eq "s444 $xy" 999 "$(psnr s444.tif b/s444/$xy.jpg ${xy%_*} ${xy#*_} 160 160)"
  p=$(psnr s420.tif b/s420/$xy.jpg ${xy%_*} ${xy#*_} 160 160)
  echo "s420 chip $xy: $p dB"
  at_least "s420 $xy" "$p" 50
done
# A reduced level is copied too (level 1 of the pyramid: 500 x 350).
dschip s420.tif -o c --jpeg-copy --no-mask --level 1 -s 128 --json >c.json
grep -q '"copied":6,"copy_fallback":""' c.json || fail "level 1: $(cat c.json)"
at_least "level 1 chip" "$(psnr 's420.tif[page=1]' c/s420/256_256.jpg 128 128 128 128)" 50

# Fall-backs: the reason per image in --json and on stderr; the chips are still made (decoded + encoded).
dschip s420.tif -o d --jpeg-copy --no-mask -s 160 --stride 100 --json >d.json 2>d.err
grep -q '"copied":0,"copy_fallback":"the chip size, stride or origin is off the 16x16 JPEG block grid"' d.json ||
  fail "off-grid stride: $(cat d.json)"
grep -q 'dschip: s420.tif: --jpeg-copy: 54 of 54 chips decoded and encoded instead (the chip size' d.err ||
  fail "no warning: $(cat d.err)"
expect_eq "fallback chips" 54 "$(ls d/s420 | wc -l)"
expect_eq "s444 is 8x8" 1 "$(dschip s444.tif -o e --jpeg-copy --no-mask -s 100 --json 2>/dev/null |
  grep -c 'off the 8x8 JPEG block grid')"
# --edge pad: the chips past the image are decoded, padded and encoded; the others are copied.
dschip s420.tif -o f --jpeg-copy --no-mask -s 256 --edge pad --json >f.json 2>f.err
grep -q '"chips":12,.*"copied":6,"copy_fallback":"chip at ([0-9]*, [0-9]*): chip extends past the image"' f.json ||
  fail "edge pad: $(cat f.json)"
# PNG chips cannot be copied.
dschip s420.tif -o g --jpeg-copy --no-mask -s 256 -f png --json 2>/dev/null | grep -q '"copy_fallback":"the chips are not JPEG"' ||
  fail "png chips"
# Without --jpeg-copy nothing changes: no copied column.
dschip s420.tif -o h --no-mask -s 256 >/dev/null
sed -n 2p h/chips.tsv | grep -q copied && fail "copied column without --jpeg-copy"
exit 0
