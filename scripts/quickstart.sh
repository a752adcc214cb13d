#!/usr/bin/env bash
# Installs what is missing, builds dskit, makes the built-in sample dataset and runs the main job on it:
# a parallel listing with per-class totals, a manifest with content hashes and its statistics, and the
# class balance with class-balanced loss weights.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
scripts/build.sh build -DDSKIT_BUILD_TESTS=OFF -DDSKIT_BUILD_BENCH_TOOLS=OFF
python3 scripts/make_sample.py sample-data
data=sample-data/imagefolder
echo
echo "== dsls --summary $data   (files, dirs, bytes per class folder)"
build/bin/dsls --summary "$data"
if [ -x build/bin/dsmanifest ]; then
  echo
  echo "== dsmanifest build $data -o sample-data/manifest.tsv"
  build/bin/dsmanifest build "$data" -o sample-data/manifest.tsv
  head -n 5 sample-data/manifest.tsv
  echo
  echo "== dsmanifest stats sample-data/manifest.tsv"
  build/bin/dsmanifest stats sample-data/manifest.tsv
fi
if [ -x build/bin/dsbalance ] && [ -f sample-data/manifest.tsv ]; then
  echo
  echo "== dsbalance sample-data/manifest.tsv --weights effective --weights-format torch"
  build/bin/dsbalance sample-data/manifest.tsv --weights effective --weights-format torch
fi
