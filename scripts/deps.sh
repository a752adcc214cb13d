#!/usr/bin/env bash
# Installs the Debian packages dskit needs; skips what is already present.
# Usage: scripts/deps.sh [run|test|bench]
#   run    build and run the tools (the quickstart): compiler, CMake, the libraries dskit links
#   test   run + what the test suite uses: doctest, the oracles (xxhsum, vips, tiff tools, mpirun, python3),
#          the FUSE test mount, clang (libFuzzer targets), gdb (the walk-then-hash race test), pytest, torch,
#          torchvision, pandas, mandoc and clang-format (default)
#   bench  test + the benchmark peers (fio, fd, bfs, hyperfine, rsync, rclone, fpart)
set -euo pipefail
profile=${1:-test}
run=(build-essential cmake ninja-build pkg-config
     libcli11-dev libfmt-dev libtbb-dev libxxhash-dev
     libsimdjson-dev libyaml-cpp-dev libpugixml-dev
     libopencv-dev libtiff-dev libjpeg-dev libopenslide-dev liburing-dev
     libopenmpi-dev openmpi-bin python3 python3-dev python3-numpy pybind11-dev)
test=(doctest-dev libtiff-tools libvips-tools xxhash findutils util-linux rsync attr
      libfuse3-dev fuse3 clang libclang-rt-dev gdb mandoc clang-format
      python3-pytest python3-pandas python3-torch python3-torchvision python3-pil)
bench=(fio fd-find bfs hyperfine rclone fpart)
case "$profile" in
  run) pkgs=("${run[@]}") ;;
  test) pkgs=("${run[@]}" "${test[@]}") ;;
  bench) pkgs=("${run[@]}" "${test[@]}" "${bench[@]}") ;;
  *) echo "usage: scripts/deps.sh [run|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps ($profile): all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps ($profile): installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
