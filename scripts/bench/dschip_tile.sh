# shellcheck shell=bash
# The synthetic slide texture of the dschip benchmarks (dschip_bench.sh, dschip_cohort_bench.sh), sourced by
# them: make_tile writes, in the current directory, once:
#   tissue.v  a 1000 x 1000 tissue-like tile (three blurred noise fields mapped to H&E pinks and purples)
#   island.v  a 632 x 632 patch of it (40% of the area) on 1000 x 1000 of white glass
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
  vips black black.v 1000 1000 --bands 3
  vips linear black.v white_f.v 1 245
  vips cast white_f.v white.v uchar
  vips crop tissue.v patch.v 0 0 632 632
  vips insert white.v patch.v island.v 184 184
  rm -f n1.v n2.v n3.v b1.v b2.v nb.v lin.v black.v white_f.v
}

