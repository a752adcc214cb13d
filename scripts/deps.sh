#!/usr/bin/env bash
# Installs the Debian packages dskit needs to build, test and benchmark; skips what is already present.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config git
      libcli11-dev libfmt-dev libtbb-dev doctest-dev libxxhash-dev
      libsimdjson-dev libyaml-cpp-dev libpugixml-dev
      libopencv-dev
      libtiff-dev libopenslide-dev libtiff-tools libvips-tools
      liburing-dev fio
      libopenmpi-dev openmpi-bin
      libfuse3-dev fuse3
      clang libclang-rt-dev
      xxhash findutils util-linux python3 mandoc clang-format
      fd-find bfs hyperfine)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
