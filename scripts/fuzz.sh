#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, a build tree of their own) and runs each
# for SECONDS_PER_TARGET seconds with its seed corpus; fails when any target finds a crash, a leak, a
# timeout, undefined behaviour or a broken property.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default: 3600 s each, every target)
#   scripts/fuzz.sh 10                  each target 10 s (scripts/test.sh runs this in its ASan tree)
#   scripts/fuzz.sh 28800 tiff coco     a night on two parsers
# The seeds are tests/fuzz/corpus/<target>/ (never written to); inputs the fuzzer finds interesting go to
# BUILD/fuzz-corpus/<target>/ and are reused by the next run; a finding is written to
# BUILD/fuzz-findings/<target>/ (replay it: BUILD/bin/<target>_fuzz FILE). Keep a finding as a regression
# input by copying it into the target's seed corpus once it is fixed.
# Environment: FUZZ_BUILD_DIR (default build-fuzz); FUZZ_CONFIGURE=0 uses FUZZ_BUILD_DIR as it is configured
# (scripts/test.sh: its clang ASan+UBSan tree, built with -DDSKIT_FUZZ=ON) and only builds the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3600}
shift || true
dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [ "${FUZZ_CONFIGURE:-1}" != 0 ]; then
  launcher=()
  command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$dir" -G Ninja -DDSKIT_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDSKIT_BUILD_TESTS=OFF -DDSKIT_BUILD_BENCH_TOOLS=OFF -DDSKIT_MPI=OFF \
    "${launcher[@]}" > /dev/null
fi
cmake --build "$dir" -j "$(nproc)" --target dskit_fuzz

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do
    f=${f##*/}
    targets+=("${f%_fuzz.cpp}")
  done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$t
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }
  mkdir -p "$dir/fuzz-corpus/$t" "$dir/fuzz-findings/$t"
  echo "== fuzz $t (${secs}s)"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb also caps a single malloc (a decoder that
  # believes a header claiming terapixels is a finding, not a host running out of memory).
  if ! "$dir/bin/${t}_fuzz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/fuzz-findings/$t/" "$dir/fuzz-corpus/$t" "$seeds" > "$dir/fuzz-findings/$t.log" 2>&1; then
    tail -n 60 "$dir/fuzz-findings/$t.log" >&2
    echo "fuzz: $t: FINDING (log $dir/fuzz-findings/$t.log, input in $dir/fuzz-findings/$t/)" >&2
    failed+=("$t")
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$dir/fuzz-findings/$t.log" | tail -1 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${secs}s each: no finding"
