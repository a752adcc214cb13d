# The fault-injecting FUSE mount (scripts/bench/latfs.c) the faults_* tests run the tools on: sourced by
# them for faults_mount, and run on its own, a test that each fault mode does what it says.
#
# faults_mount SOURCE MOUNTPOINT [latfs -o options...]: mounts SOURCE at MOUNTPOINT (created) with no delay
# and the given faults, and unmounts it when the test exits (before lib.sh removes the temporary directory).
# latfs is $DSKIT_BIN/latfs, or built here from the source when the build tree has none (the sanitizer
# trees build no benchmark helpers). The calling test is skipped, with the reason, only when FUSE cannot be
# mounted at all (no /dev/fuse, no libfuse3, no permission).
if [ -z "${T:-}" ]; then . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"; fi

FAULTS_MOUNTS=()
faults_unmount_all() {
  local m
  for m in "${FAULTS_MOUNTS[@]}"; do
    fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  FAULTS_MOUNTS=()
}
trap 'faults_unmount_all; cleanup' EXIT
trap 'exit 143' TERM INT  # a test killed (ctest's timeout) still unmounts: the EXIT trap runs

faults_skip() { echo "SKIPPED: cannot mount FUSE here ($*): fault-injection test not run"; exit 0; }

faults_latfs() {
  if [ -x "$DSKIT_BIN/latfs" ]; then
    echo "$DSKIT_BIN/latfs"
    return
  fi
  if [ ! -x "$T/latfs" ]; then
    local src=${DSKIT_SRC:-$(dirname "${BASH_SOURCE[0]}")/../..}/scripts/bench/latfs.c
    pkg-config --exists fuse3 2>/dev/null || faults_skip "libfuse3-dev is not installed"
    # shellcheck disable=SC2046
    cc -O1 -o "$T/latfs" "$src" $(pkg-config --cflags --libs fuse3) -lpthread >&2 ||
      fail "cannot build latfs from $src"
  fi
  echo "$T/latfs"
}

faults_mount() {
  local src=$1 mnt=$2 opt args=()
  shift 2
  for opt in "$@"; do args+=(-o "$opt"); done
  [ -c /dev/fuse ] || faults_skip "no /dev/fuse"
  command -v fusermount3 > /dev/null || faults_skip "fusermount3 is not installed (fuse3)"
  local latfs
  latfs=$(faults_latfs)
  mkdir -p "$mnt"
  if ! "$latfs" "$src" "$mnt" -o delay_us=0 "${args[@]}" 2> "$T/latfs.err"; then
    # Skipped only when FUSE cannot mount at all: a bare mount fails too. Otherwise latfs is at fault.
    mkdir -p "$T/fuse-probe"
    "$latfs" "$src" "$T/fuse-probe" 2> "$T/latfs-probe.err" || faults_skip "$(cat "$T/latfs-probe.err")"
    fusermount3 -u "$T/fuse-probe"
    fail "latfs $src $mnt ${args[*]}: $(cat "$T/latfs.err")"
  fi
  FAULTS_MOUNTS+=("$mnt")
  mountpoint -q "$mnt" || fail "latfs returned but $mnt is not a mount point"
}

faults_remount() {  # faults_remount SOURCE MOUNTPOINT [options...]: the same mount with other faults
  faults_unmount_all
  faults_mount "$@"
}

# ---- Run on its own: each fault mode against plain tools.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  mkdir -p src/d src/gone_dir
  head -c 300000 /dev/urandom > src/d/big.bin
  head -c 200000 /dev/urandom > src/d/bad.bin
  echo ok > src/good.txt
  echo x > src/gone.txt
  echo y > src/gone_dir/inside
  echo z > src/d/meta_eio.txt
  faults_mount src mnt fail_read='*bad*' vanish='gone*' fail_meta='*meta_eio*' short_read='*big*'

  # readdir lists every entry (not what is inside the vanished directory, which cannot be opened).
  expect_eq "readdir lists every entry" "$(cd src && find . | grep -v '^./gone_dir/' | sort)" \
    "$(cd mnt && find . 2>/dev/null | sort)"
  expect_rc "read of fail_read file" 1 cat mnt/d/bad.bin 2> err
  grep -q 'Input/output error' err || fail "fail_read: $(cat err)"
  expect_rc "stat of vanished file" 1 stat mnt/gone.txt 2> err
  grep -q 'No such file or directory' err || fail "vanish: $(cat err)"
  expect_rc "open of vanished directory" 2 ls mnt/gone_dir 2> err
  grep -q 'No such file or directory' err || fail "vanish dir: $(cat err)"
  expect_rc "stat of fail_meta file" 1 stat mnt/d/meta_eio.txt 2> err
  grep -q 'Input/output error' err || fail "fail_meta: $(cat err)"
  expect_same_file "short reads still give the whole file" src/d/big.bin mnt/d/big.bin
  # The reader really sees short reads: a 64 KiB read returns 16 KiB.
  got=$(python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print(len(os.read(fd, 65536)))' mnt/d/big.bin)
  expect_eq "short read size" 16384 "$got"
  expect_same_file "other files read normally" src/good.txt mnt/good.txt
  echo "ok"
fi
