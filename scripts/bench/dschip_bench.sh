#!/usr/bin/env bash
# dschip against `vips dzsave --depth one` in one run, on the same 100,000 x 60,000 pyramidal JPEG BigTIFF
# slides: one covered with a synthetic tissue-like texture, one about 40% tissue islands on white glass.
# Every 224 x 224 JPEG q90 chip (--no-mask, --edge pad so the chip count equals dzsave's tile count), then the
# tissue-masked run on the 40% slide. Wall time and peak RSS from GNU time; prints a Markdown table.
#
#   scripts/bench/dschip_bench.sh
#
# Environment:
#   BUILD_DIR        where bin/dschip is                               (default: build, relative to the repo root)
#   DSKIT_BENCH_DIR  where the slides are made (and reused) and chips written (default: /work/data-chip)
#   WIDTH, HEIGHT    slide size                                        (default: 100000 x 60000)
#   MAX_LOAD         wait (up to 5 min) for the 1-min load average to fall below this (default 1.0)
#   MAKE_ONLY=1      only make the slides
# The slides (~2 GB each) stay in the page cache on a 24 GB machine, for both tools alike: the figures are
# decode + encode + chip-writing throughput, not storage reads.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
[[ $build = /* ]] || build=$repo/$build
base=${DSKIT_BENCH_DIR:-/work/data-chip}
width=${WIDTH:-100000}
height=${HEIGHT:-60000}
max_load=${MAX_LOAD:-1.0}
dschip=$build/bin/dschip
[[ -x $dschip || ${MAKE_ONLY:-0} == 1 ]] || { echo "dschip_bench: $dschip missing: cmake --build $build --target dschip" >&2; exit 2; }
for t in vips /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "dschip_bench: $t not found (apt-get install libvips-tools time)" >&2; exit 2; }
done
mkdir -p "$base"
cd "$base"

# A 1000 x 1000 tissue-like tile: three blurred noise fields mapped to H&E pinks and purples.
make_tile() {
  [[ -f tissue.v ]] && return
  vips gaussnoise n1.v 1000 1000 --mean 128 --sigma 70
  vips gaussnoise n2.v 1000 1000 --mean 128 --sigma 50
  vips gaussnoise n3.v 1000 1000 --mean 128 --sigma 30
  vips gaussblur n1.v b1.v 6
  vips gaussblur n2.v b2.v 2
  vips bandjoin "b1.v b2.v n3.v" nb.v
  vips linear nb.v lin.v "0.35 0.55 0.30" "150 40 130"
  vips cast lin.v tissue.v uchar
  # The island tile: a 632 x 632 patch of tissue (40% of the area) on white glass.
  vips black black.v 1000 1000 --bands 3
  vips linear black.v white_f.v 1 245
  vips cast white_f.v white.v uchar
  vips crop tissue.v patch.v 0 0 632 632
  vips insert white.v patch.v island.v 184 184
  rm -f n1.v n2.v n3.v b1.v b2.v nb.v lin.v black.v white_f.v
}

make_slide() {  # TILE OUT
  [[ -f $2 ]] && return
  local across=$(((width + 999) / 1000)) down=$(((height + 999) / 1000))
  vips replicate "$1" "tmp-$2[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=90,bigtiff]" \
    "$across" "$down"
  mv "tmp-$2" "$2"
}

make_tile
make_slide tissue.v slide-full.tif
make_slide island.v slide-40.tif
[[ ${MAKE_ONLY:-0} == 1 ]] && { ls -l slide-full.tif slide-40.tif; exit 0; }

for i in $(seq 60); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  awk -v l="$load" -v m="$max_load" 'BEGIN { exit !(l < m) }' && break
  sleep 5
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: wall seconds and peak RSS (MB) of CMD into $NAME.time
run() {
  local name=$1; shift
  rm -rf out
  sync
  /usr/bin/time -f "%e %M" -o "$name.time" "$@" >/dev/null
  local files
  files=$(find out -type f \( -name '*.jpg' \) | wc -l)
  echo "$(cat "$name.time") $files" >"$name.time"
  echo "$name: $(cat "$name.time") (s, KB, chips)  load $(cut -d' ' -f1 /proc/loadavg)" >&2
  rm -rf out
}

run dzsave_full vips dzsave slide-full.tif out/slide --depth one --tile-size 224 --overlap 0 --suffix '.jpg[Q=90]'
run dschip_full "$dschip" slide-full.tif -o out --size 224 --format jpg --quality 90 --no-mask --edge pad
run dzsave_40 vips dzsave slide-40.tif out/slide --depth one --tile-size 224 --overlap 0 --suffix '.jpg[Q=90]'
run dschip_40 "$dschip" slide-40.tif -o out --size 224 --format jpg --quality 90 --edge pad
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

row() {  # LABEL PEER OURS
  read -r ps pk pn <"$2.time"
  read -r ds dk dn <"$3.time"
  printf '| %s | %s s, %d MB, %d tiles | %s s, %d MB, %d chips | %.2fx |\n' "$1" "$ps" $((pk / 1024)) "$pn" \
    "$ds" $((dk / 1024)) "$dn" "$(awk -v a="$ps" -v b="$ds" 'BEGIN { print a / b }')"
}
echo "| ${width} x ${height} JPEG BigTIFF | vips dzsave --depth one | dschip | speed-up |"
echo "|---|---|---|---|"
row "all chips, 224 JPEG q90" dzsave_full dschip_full
row "40% tissue, masked" dzsave_40 dschip_40
