# An Aperio SVS made here (a JPEG-tiled pyramidal TIFF given an Aperio ImageDescription, which OpenSlide reads
# as vendor aperio with its MPP): --mpp picks the pyramid level from the slide's 0.25 um/px with either
# reader (OpenSlide, and libtiff reading the MPP from the description), and the chips, joined back into one
# image, equal OpenSlide's own read of the level (vips openslideload): exactly through OpenSlide, within a
# PSNR bound through libtiff (another JPEG decoder's rounding).
. "$(dirname "$0")/lib.sh"
need_vips
NOISE_SEED=7 noise_rgb n.v 2048 1536 128 60
vips tiffsave n.v slide.svs --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg -Q 90
tiffset -d 0 -s 270 "Aperio Image Library v12.0.15
2048x1536 [0,0 2048x1536] (256x256) JPEG/RGB Q=90|AppMag = 40|MPP = 0.25" slide.svs
expect_eq "OpenSlide's vendor" aperio "$(vipsheader -f openslide.vendor slide.svs)"
expect_eq "OpenSlide's mpp" 0.25 "$(vipsheader -f openslide.mpp-x slide.svs)"

# --mpp: the level whose downsample is at most mpp / 0.25, then resized to it.
for reader in openslide tiff; do
  for want in "0.5 1 2" "1 2 4" "0.75 1 3" "0.25 0 1"; do
    set -- $want
    dschip slide.svs -o "o_${reader}_$1" --reader "$reader" --mpp "$1" -s 128 -f png --no-mask --json > r.json
    grep -q "\"level\":$2,\"downsample\":$3," r.json || fail "$reader --mpp $1: expected level $2: $(cat r.json)"
  done
done

# The 48 chips of level 1 (1024x768) at --mpp 0.5 against OpenSlide's level 1.
vips openslideload slide.svs l1.v --level 1
vips extract_band l1.v ref.v 0 --n 3
mosaic() {  # mosaic DIR OUT: the 8 x 6 chips of DIR (level-0 corners 256 apart) joined row by row
  local list=() r c
  for ((r = 0; r < 6; r++)); do for ((c = 0; c < 8; c++)); do list+=("$1/slide/$((c * 256))_$((r * 256)).png"); done; done
  vips arrayjoin "${list[*]}" "$2" --across 8
}
mse() {  # mse A B: the mean squared difference of two images of one size
  vips subtract "$1" "$2" d.v
  vips multiply d.v d.v sq.v
  vips avg sq.v
}
mosaic o_openslide_0.5 os.v
vips subtract os.v ref.v d.v
vips abs d.v ad.v
expect_eq "OpenSlide reader: largest difference from openslideload --level 1" 0 "$(vips max ad.v | cut -d. -f1)"
mosaic o_tiff_0.5 tf.v
psnr=$(python3 -c "
import math, sys
mse = float(sys.argv[1])
print(99 if mse == 0 else round(10 * math.log10(255 ** 2 / mse), 1))" "$(mse tf.v ref.v)")
python3 -c "import sys; sys.exit(float(sys.argv[1]) < 45)" "$psnr" || fail "libtiff reader: PSNR $psnr dB against OpenSlide"
echo "ok"
