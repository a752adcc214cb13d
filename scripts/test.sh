#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test: the normal build with warnings as errors,
# an ASan+UBSan build with clang (also running every libFuzzer target for 10 s), a TSan build of the unit
# tests (the parallel walker), and the style checks.
# Usage: scripts/test.sh            (what CI runs)
#        QUICK=1 scripts/test.sh    (normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

echo "== build (Release, -Werror)"
scripts/build.sh build -DDSKIT_WERROR=ON -DDSKIT_BUILD_TESTS=ON -DDSKIT_BUILD_BENCH_TOOLS=ON
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${QUICK:-0}" != 1 ]; then
  # clang, so that the libFuzzer targets (tests/fuzz, -DDSKIT_FUZZ=ON) come from this same tree: only
  # their harness files are extra, and they link the very libraries the tests below run.
  echo "== build (ASan+UBSan, clang, with the libFuzzer targets)"
  scripts/build.sh build-asan -DDSKIT_WERROR=ON -DDSKIT_SANITIZE=address,undefined \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDSKIT_BUILD_BENCH_TOOLS=OFF \
    -DDSKIT_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  echo "== tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
  echo "== fuzz: every libFuzzer target 10 s, from its seeds (a finding fails the suite)"
  FUZZ_BUILD_DIR=build-asan FUZZ_CONFIGURE=0 scripts/fuzz.sh 10

  echo "== build (TSan, unit tests)"
  cmake -S . -B build-tsan -G Ninja -DDSKIT_WERROR=ON -DDSKIT_SANITIZE=thread \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDSKIT_BUILD_BENCH_TOOLS=OFF >/dev/null
  cmake --build build-tsan -j "$jobs" --target dskit_unit_tests dsls
  echo "== unit tests under TSan"
  # The suite of code that runs its own threads; oneTBB itself is not instrumented, so TSan cannot see
  # its synchronisation and reports false races in code parallelised with it.
  TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/dskit_unit_tests -ts=parallel
  echo "== dsls under TSan, 64 threads, on the sample dataset"
  python3 scripts/make_sample.py build-tsan/sample >/dev/null
  for mode in "" "-l --sort" "--summary --json"; do
    # shellcheck disable=SC2086
    TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/dsls -j 64 $mode build-tsan/sample >/dev/null
  done

  echo "== style: clang-format"
  git ls-files -- '*.cpp' '*.h' '*.c' | xargs clang-format --dry-run --Werror
  echo "== man pages: mandoc -Tlint"
  mandoc -Tlint -Wwarning man/*.[1-8]
fi
echo "== all tests passed"
