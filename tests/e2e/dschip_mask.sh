# The tissue mask on a synthetic slide whose left half is tissue and right half white glass: the kept
# chips are exactly the tissue ones, tiles under rejected chips are never decoded, and --min-tissue,
# --mask-method, --mask FILE and --overlay behave.
. "$(dirname "$0")/lib.sh"
need_vips

noise_rgb pink.v 1000 1000 200 20 110 20 180 20
vips black k.v 2000 1000 --bands 3
vips linear k.v wf.v 1 245
vips cast wf.v white.v uchar
vips insert white.v pink.v half.v 0 0
vips tiffsave half.v slide.tif --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg --Q 90

dschip slide.tif -o m -s 200 --json --overlay ov.png >m.json
expect_eq "tissue chips" 25 "$(ls m/slide | wc -l)"  # 5 x 5 of the 10 x 5 grid
[ -z "$(ls m/slide | awk -F_ '$1 >= 1000')" ] || fail "a chip on glass was kept: $(ls m/slide)"
grep -q '"rejected":25,' m.json || fail "rejected count: $(cat m.json)"
# Chips 0..999 wide need tile columns 0-3 only: 4 x 4 tiles, not the 8 x 4 of the whole image.
grep -q '"tiles_decoded":16,' m.json || fail "tiles under rejected chips were decoded: $(cat m.json)"
dschip slide.tif -o all -s 200 --no-mask --json >all.json
grep -q '"tiles_decoded":32,' all.json || fail "no-mask tiles: $(cat all.json)"
expect_eq "no-mask chips" 50 "$(ls all/slide | wc -l)"
# The tissue column: (nearly) 1 for every kept chip here.
awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "tissue") c = i } NR > 2 && ($c == "" || $c < 0.95) { bad = 1 }
  END { if (bad || !c) exit 1 }' m/chips.tsv || fail "tissue column: $(head -4 m/chips.tsv)"

expect_eq "min-tissue 0" 50 "$(dschip slide.tif -o z -s 200 --min-tissue 0 >/dev/null; ls z/slide | wc -l)"
expect_eq "luminance" 25 "$(dschip slide.tif -o l -s 200 --mask-method luminance >/dev/null; ls l/slide | wc -l)"
expect_eq "saturation" 25 "$(dschip slide.tif -o s -s 200 --mask-method saturation --mask-threshold 30 >/dev/null
  ls s/slide | wc -l)"

# A user mask that marks the right half instead.
vips black mk.v 10 10
vips linear mk.v one.v 1 255
vips cast one.v onec.v uchar
vips black z.v 20 10
vips insert z.v onec.v um.v 10 0
vips cast um.v um8.v uchar
vips pngsave um8.v usermask.png
dschip slide.tif -o u -s 200 --mask usermask.png >/dev/null
expect_eq "user mask chips" 25 "$(ls u/slide | awk -F_ '$1 >= 1000' | wc -l)"
expect_eq "user mask only right" 25 "$(ls u/slide | wc -l)"

# The overlay is the thumbnail (here the 2000 x 1000 level itself) with green outlines.
[ -s ov.png ] || fail "no overlay written"
expect_eq "overlay size" "2000 1000" "$(vipsheader -f width ov.png) $(vipsheader -f height ov.png)"
expect_rc "bad method" 2 dschip slide.tif -o x --mask-method otsu
expect_rc "no-mask with mask" 2 dschip slide.tif -o x --no-mask --mask usermask.png
