# dschip's PNG chips are pixel-identical to `vips extract_area` of the same region, on tiled JPEG, striped,
# pyramidal (IFD chain and SubIFDs), BigTIFF and PNG inputs, at level 0 and at a reduced level; chip
# counts for drop, pad and shift.
. "$(dirname "$0")/lib.sh"
need_vips

noise_rgb rgb.v 1000 700 128 60 100 50 160 30
vips tiffsave rgb.v tiled.tif --tile --tile-width 256 --tile-height 256 --compression jpeg --Q 90
vips tiffsave rgb.v striped.tif --compression deflate
vips tiffsave rgb.v pyramid.tif --tile --tile-width 128 --tile-height 128 --pyramid --compression jpeg
vips tiffsave rgb.v bigsub.tif --tile --pyramid --subifd --bigtiff --compression lzw
vips pngsave rgb.v plain.png

# same_pixels IMAGE CHIP X Y W H: the chip decodes to exactly IMAGE's region.
same_pixels() {
  vips extract_area "$1" ref.v "$3" "$4" "$5" "$6"
  vips rawsave ref.v ref.raw
  vips rawsave "$2" got.raw
  cmp -s ref.raw got.raw || fail "$2 differs from vips extract_area $1 $3 $4 $5 $6"
}

dschip tiled.tif striped.tif pyramid.tif bigsub.tif plain.png -o out -f png --no-mask --json >report.json
expect_eq "all ok" 5 "$(grep -c '"status":"ok"' report.json)"
for stem in tiled striped pyramid bigsub plain; do
  src=$(ls $stem.*)
  expect_eq "$stem chips" 12 "$(ls out/$stem | wc -l)"  # 4 x 3 full 224 chips in 1000 x 700
  for xy in 0_0 224_0 672_448 448_224; do
    same_pixels "$src" "out/$stem/$xy.png" "${xy%_*}" "${xy#*_}" 224 224
  done
done
# Tiles decoded once each: the 12 chips cover 4 x 3 tiles of 256.
grep '"image":"tiled.tif"' report.json | grep -q '"tiles_decoded":12,' || fail "tiled.tif: tiles decoded: $(cat report.json)"

# A reduced level: chips in level-1 pixels, named by level-0 coordinates.
dschip pyramid.tif bigsub.tif -o lv1 -f png --no-mask --level 1 --size 100 >/dev/null
expect_eq "level 1 chips" 15 "$(ls lv1/pyramid | wc -l)"  # 500 x 350: 5 x 3
same_pixels "pyramid.tif[page=1]" lv1/pyramid/200_400.png 100 200 100 100
same_pixels "bigsub.tif[subifd=0]" lv1/bigsub/600_200.png 300 100 100 100
grep -q $'\tlevel\t' lv1/chips.tsv || fail "no level column in the manifest"

# Edge modes and strides on 1000 x 700 with 300-pixel chips.
count() { dschip plain.png -o "$1" --no-mask -s 300 "${@:2}" >/dev/null; ls "$1/plain" | wc -l; }
expect_eq "drop" 6 "$(count e1 --edge drop)"    # 3 x 2
expect_eq "pad" 12 "$(count e2 --edge pad)"     # 4 x 3
expect_eq "shift" 12 "$(count e3 --edge shift)" # 4 x 3, last ones at 700 and 400
[ -f e3/plain/700_400.jpg ] || fail "shift: no chip at 700,400"
[ -f e2/plain/900_600.jpg ] || fail "pad: no chip at 900,600"
expect_eq "stride" 15 "$(count e4 --stride 150)" # x: 0..600 by 150 (5), y: 0..300 (3)
dschip plain.png -o roi --no-mask -f png -s 200 --roi 100,100,500,400 >/dev/null
expect_eq "roi chips" "100_100.png 100_300.png 300_100.png 300_300.png" "$(cd roi/plain && echo *)"
same_pixels plain.png roi/plain/300_100.png 300 100 200 200
# --coords: exactly the listed corners.
printf '# x y\n10 20\n500,300\n' >coords.txt
dschip plain.png -o co --no-mask -f png -s 64 --coords coords.txt >/dev/null
expect_eq "coords chips" "10_20.png 500_300.png" "$(cd co/plain && echo *)"
same_pixels plain.png co/plain/500_300.png 500 300 64 64

# --mpp: vips writes 10 pixels/cm (1000 microns per pixel, a placeholder dschip does not trust), so a copy
# gets a scanner's 10000 pixels/cm: 1 micron per pixel. 2 um/px is level 1 exactly; 3 um/px reads level 1
# and resizes by 2/3 (a 1000 x 700 image is 333 x 233 output pixels: 3 x 2 chips of 100).
cp pyramid.tif scan.tif
tiffset -s 282 10000 scan.tif
tiffset -s 283 10000 scan.tif
dschip scan.tif -o mpp2 -f png --no-mask --mpp 2 --size 100 --json >mpp2.json
grep -q '"level":1,"downsample":2,' mpp2.json || fail "mpp 2: $(cat mpp2.json)"
for f in lv1/pyramid/*.png; do expect_same_file "mpp 2 = level 1" "$f" "mpp2/scan/$(basename "$f")"; done
dschip scan.tif -o mpp3 -f png --no-mask --mpp 3 --size 100 --json >mpp3.json
grep -q '"level":1,"downsample":3,"chips":6,' mpp3.json || fail "mpp 3: $(cat mpp3.json)"
expect_eq "mpp 3 chips" "0_0.png 0_300.png 300_0.png 300_300.png 600_0.png 600_300.png" "$(cd mpp3/scan && echo *)"
expect_eq "mpp 3 chip size" "100 100" "$(vipsheader -f width mpp3/scan/300_300.png) $(vipsheader -f height mpp3/scan/300_300.png)"

# OpenSlide (generic tiled TIFF) gives the same chips as libtiff, at level 0 and level 1.
dschip pyramid.tif -o os -f png --no-mask --reader openslide >/dev/null
for f in out/pyramid/*.png; do expect_same_file "openslide level 0" "$f" "os/pyramid/$(basename "$f")"; done
dschip pyramid.tif -o os1 -f png --no-mask --reader openslide --level 1 --size 100 >/dev/null
for f in lv1/pyramid/*.png; do expect_same_file "openslide level 1" "$f" "os1/pyramid/$(basename "$f")"; done
