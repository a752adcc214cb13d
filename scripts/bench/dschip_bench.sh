#!/usr/bin/env bash
# dschip against `vips dzsave --depth one` in one run, on the same 100,000 x 60,000 pyramidal JPEG BigTIFF
# slides: one covered with a synthetic tissue-like texture, one about 40% tissue islands on white glass.
# Every 224 x 224 JPEG q90 chip (--no-mask, --edge pad so the chip count equals dzsave's tile count), then the
# tissue-masked run on the 40% slide; and dschip --jpeg-copy (chips cut from the slide's JPEG tiles, no
# re-encoding: 224 is on the 8-pixel JPEG block grid of these 4:4:4 slides) on both; last, all chips of a
# third slide stored as scanners do (JPEG Q80, 4:2:0: 16-pixel blocks, 224 = 14 x 16), dzsave vs --jpeg-copy.
# Wall time and peak RSS from GNU time; prints a Markdown table.
#
#   scripts/bench/dschip_bench.sh
#
# Environment:
#   BUILD_DIR        where bin/dschip is                               (default: build, relative to the repo root)
#   DSKIT_BENCH_DIR  where the slides are made (and reused) and chips written (default: /work/data-chip)
#   WIDTH, HEIGHT    slide size                                        (default: 100000 x 60000)
#   MAX_LOAD         wait (up to 5 min) for the 1-min load average to fall below this (default 1.0)
#   MAKE_ONLY=1      only make the slides
#   OUT_FS           where each run writes its ~120,000 chip files:
#                      fresh (default as root): a new ext4 (mkfs.ext4's defaults, journal included) made on a
#                        sparse image file in DSKIT_BENCH_DIR and loop-mounted for each run, so that every
#                        run of either tool writes to the same pristine filesystem;
#                      dir: DSKIT_BENCH_DIR/out, emptied (rm -rf, sync) between runs.
#                    Why: on an ext4 without a journal (this machine's root filesystem), creating files right
#                    after deleting many costs ext4's recently-deleted inode scan (recently_deleted() in
#                    find_inode_bit, seen with perf): 120,000 files of 25 KB took 30 s right after deleting
#                    the previous 120,000 against 3.6-5.4 s on a journalled ext4, so with `dir` every run paid
#                    for the previous run's deletions, tens of seconds of system time for either tool.
# The slides (~2 GB each) stay in the page cache on a 24 GB machine, for both tools alike: the figures are
# decode + encode + chip-writing throughput, not storage reads.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dschip_bench build /work/data-chip 1.0 "$@"
width=${WIDTH:-100000}
height=${HEIGHT:-60000}
dschip=$build/bin/dschip
[[ ${MAKE_ONLY:-0} == 1 ]] || bench_need_bins dschip
bench_need_tools "$me" "apt-get install libvips-tools time" vips /usr/bin/time
mkdir -p "$base"
cd "$base"

# make_tile: tissue.v and island.v, the tiles the slides replicate.
# shellcheck source=dschip_tile.sh source-path=SCRIPTDIR
. "$here/dschip_tile.sh"

make_slide() {  # TILE OUT [Q]
  [[ -f $2 ]] && return
  local across=$(((width + 999) / 1000)) down=$(((height + 999) / 1000))
  vips replicate "$1" "tmp-$2[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=${3:-90},bigtiff]" \
    "$across" "$down"
  mv "tmp-$2" "$2"
}

make_tile
make_slide tissue.v slide-full.tif
make_slide island.v slide-40.tif
# As scanners store slides (Aperio SVS: JPEG Q70-80 with 4:2:0 chroma; vips subsamples below Q90), where
# --jpeg-copy writes chips no larger than a re-encode's.
make_slide tissue.v slide-q80.tif 80
[[ ${MAKE_ONLY:-0} == 1 ]] && { ls -l slide-full.tif slide-40.tif slide-q80.tif; exit 0; }

out_fs=${OUT_FS:-$([[ $(id -u) == 0 ]] && echo fresh || echo dir)}
case $out_fs in
  fresh) bench_need_tools "$me" "apt-get install e2fsprogs mount" mkfs.ext4 mount umount ;;
  dir) ;;
  *) bench_die "$me" 2 "OUT_FS must be fresh or dir, not $out_fs" ;;
esac
# out_prepare / out_release: an empty ./out for the next run (a new filesystem with OUT_FS=fresh).
out_prepare() {
  rm -rf out
  if [[ $out_fs == fresh ]]; then
    rm -f out.img
    truncate -s 16G out.img
    mkfs.ext4 -q -F out.img
    mkdir -p out
    mount -o loop out.img out || bench_die "$me" 1 "cannot loop-mount out.img (OUT_FS=dir writes to $base/out)"
  fi
  sync
}
out_release() {
  if [[ $out_fs == fresh ]]; then
    umount out
    rmdir out
    rm -f out.img
  else
    rm -rf out
  fi
  sync
}
out_cleanup() { if mountpoint -q out 2>/dev/null; then umount -l out; fi; }
bench_cleanup_on_exit out_cleanup

bench_wait_for_low_load -q "$me" "$max_load" 300 || true
echo "load before: $(bench_loadavg), output on: $out_fs"

# run NAME CMD...: "wall-s peak-RSS-KB user-s sys-s chips bytes load" of CMD into $NAME.time
run() {
  local name=$1; shift
  out_prepare
  /usr/bin/time -f "%e %M %U %S" -o "$name.time" "$@" >/dev/null
  local files bytes
  files=$(find out -type f -name '*.jpg' | wc -l)
  bytes=$(find out -type f -name '*.jpg' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
  echo "$(cat "$name.time") $files $bytes $(cut -d' ' -f1 /proc/loadavg)" >"$name.time"
  echo "$name: $(cat "$name.time") (wall s, RSS KB, user s, sys s, chips, bytes, load)" >&2
  out_release
}

run dzsave_full vips dzsave slide-full.tif out/slide --depth one --tile-size 224 --overlap 0 --suffix '.jpg[Q=90]'
run dschip_full "$dschip" slide-full.tif -o out --size 224 --format jpg --quality 90 --no-mask --edge pad
# dzsave at Q=90 keeps full-resolution chroma (4:4:4); dschip (OpenCV, like PIL) subsamples it (4:2:0).
# The same dzsave with subsampling forced on, for an encoder-for-encoder comparison:
run dzsave_full_420 vips dzsave slide-full.tif out/slide --depth one --tile-size 224 --overlap 0 \
  --suffix '.jpg[Q=90,subsample-mode=on]'
run dzsave_40 vips dzsave slide-40.tif out/slide --depth one --tile-size 224 --overlap 0 --suffix '.jpg[Q=90]'
run dschip_40 "$dschip" slide-40.tif -o out --size 224 --format jpg --quality 90 --edge pad
run dschip_copy_full "$dschip" slide-full.tif -o out --size 224 --format jpg --jpeg-copy --no-mask --edge pad
run dschip_copy_40 "$dschip" slide-40.tif -o out --size 224 --format jpg --jpeg-copy --edge pad
run dzsave_q80 vips dzsave slide-q80.tif out/slide --depth one --tile-size 224 --overlap 0 --suffix '.jpg[Q=80]'
run dschip_copy_q80 "$dschip" slide-q80.tif -o out --size 224 --format jpg --jpeg-copy --no-mask --edge pad
echo "load after: $(bench_loadavg)"

row() {  # LABEL PEER OURS
  read -r ps pk pu pys pn pb pl <"$2.time"
  read -r ds dk du dys dn db dl <"$3.time"
  printf '| %s | %s s (CPU %.0f s), %d MB, %d tiles, %d MB out, load %s | %s s (CPU %.0f s), %d MB, %d chips, %d MB out, load %s | %.2fx (CPU %.2fx) |\n' \
    "$1" "$ps" "$(awk -v a="$pu" -v b="$pys" 'BEGIN { print a + b }')" $((pk / 1024)) "$pn" $((pb / 1000000)) "$pl" \
    "$ds" "$(awk -v a="$du" -v b="$dys" 'BEGIN { print a + b }')" $((dk / 1024)) "$dn" $((db / 1000000)) "$dl" \
    "$(awk -v a="$ps" -v b="$ds" 'BEGIN { print a / b }')" \
    "$(awk -v a="$pu" -v b="$pys" -v c="$du" -v d="$dys" 'BEGIN { print (a + b) / (c + d) }')"
}
echo "| ${width} x ${height} JPEG BigTIFF | vips dzsave --depth one | dschip | wall speed-up |"
echo "|---|---|---|---|"
row "all chips, 224 JPEG q90" dzsave_full dschip_full
row "all chips, dzsave with 4:2:0 chroma" dzsave_full_420 dschip_full
row "40% tissue, masked" dzsave_40 dschip_40
row "all chips, dschip --jpeg-copy" dzsave_full dschip_copy_full
row "40% tissue, masked, dschip --jpeg-copy" dzsave_40 dschip_copy_40
row "Q80 4:2:0 slide, all chips, --jpeg-copy (dzsave Q=80)" dzsave_q80 dschip_copy_q80
