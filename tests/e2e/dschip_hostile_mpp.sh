# --mpp on TIFFs without a real resolution (issue 12 item 5): 72 and 96 dpi and other implausible values
# (> 10 um/px, such as vips's default 10 pixels/cm) are unknown, an error for --mpp unless --source-mpp
# gives the scale; asking for finer pixels than the image has is refused unless --allow-upscale.
. "$(dirname "$0")/lib.sh"
need_vips
command -v tiffset >/dev/null || fail "tiffset is required (libtiff-tools)"
noise_rgb g3u.v 896 448 128 40
vips tiffsave g3u.v vips.tif --tile  # vips writes 10 pixels/cm: 1000 um/px
vips tiffsave g3u.v dpi72.tif --tile
tiffset -s 296 2 dpi72.tif  # inch
tiffset -s 282 72 dpi72.tif
tiffset -s 283 72 dpi72.tif
vips tiffsave g3u.v dpi96.tif --tile --xres 3.7795 --yres 3.7795 --resunit inch  # 96 dpi
vips tiffsave g3u.v scan.tif --tile --xres 4000 --yres 4000  # 4000 pixels/mm: 0.25 um/px

for f in dpi72.tif dpi96.tif vips.tif; do
  expect_rc "--mpp on $f" 1 dschip $f -o out --mpp 0.5 --no-mask >/dev/null 2>err
  grep -q "^dschip: $f: the file gives no microns per pixel (.* um/px is a placeholder such as 72 or 96 dpi, not a scan resolution); give --source-mpp, or use --level instead of --mpp" err ||
    fail "$f: $(cat err)"
  [ ! -e out/chips.tsv ] || [ "$(tail -n +3 out/chips.tsv | wc -l)" -eq 0 ] || fail "$f: chips written"
done

# --source-mpp gives the scale: 0.5 um/px at --mpp 1 is a downsample of 2 (448 x 224: 2 x 1 chips).
dschip dpi72.tif -o src --mpp 1 --source-mpp 0.5 --no-mask --json >r.json
grep -q '"status":"ok","level":0,"downsample":2,"chips":2,' r.json || fail "--source-mpp: $(cat r.json)"
# A plausible file value is used as before.
dschip scan.tif -o sc --mpp 0.5 --no-mask --json >r.json
grep -q '"status":"ok","level":0,"downsample":2,"chips":2,' r.json || fail "scan: $(cat r.json)"

# Finer than the image: refused, or upscaled on request (0.25 um/px to 0.125: 1792 x 896, 8 x 4 chips).
expect_rc "upscale" 1 dschip scan.tif -o up --mpp 0.125 --no-mask 2>err
grep -q '^dschip: scan.tif: --mpp 0.125 is finer than the image (0.25 um/px): chips would be upscaled 2x; add --allow-upscale to do so' err ||
  fail "upscale: $(cat err)"
dschip scan.tif -o up2 --mpp 0.125 --allow-upscale --no-mask --json >r.json
grep -q '"status":"ok","level":0,"downsample":0.5,"chips":32,' r.json || fail "--allow-upscale: $(cat r.json)"
expect_rc "negative source mpp" 2 dschip scan.tif -o x --mpp 1 --source-mpp -1 2>/dev/null
