# io_uring refused by the kernel (here: a seccomp filter that fails io_uring_setup with EPERM, as Docker's
# default profile and kernel.io_uring_disabled do): --engine io_uring says so and exits 6; --engine auto warns
# and measures with psync.
. "$(dirname "$0")/lib.sh"
[ "$(uname -m)" = x86_64 ] || { echo "the seccomp filter below is for x86_64: skipped"; exit 0; }

cat > no_uring.py <<'PY'
# Runs argv[1:] with io_uring_setup (x86_64 syscall 425) failing with EPERM.
import ctypes, os, sys
class Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]
insns = (Filter * 4)(
    Filter(0x20, 0, 0, 0),                 # load the syscall number
    Filter(0x15, 0, 1, 425),               # io_uring_setup?
    Filter(0x06, 0, 0, 0x00050000 | 1),    # yes: fail with EPERM
    Filter(0x06, 0, 0, 0x7FFF0000))        # no: allow
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0     # PR_SET_NO_NEW_PRIVS
prog = Prog(4, insns)
assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0, os.strerror(ctypes.get_errno())  # SECCOMP_MODE_FILTER
os.execvp(sys.argv[1], sys.argv[1:])
PY
head -c 1000000 /dev/urandom > big.bin
set +e; python3 no_uring.py dsbench randread --file big.bin --engine io_uring --ops 10 > out.txt 2> err.txt; rc=$?; set -e
expect_eq "io_uring refused: exit" 6 "$rc"
grep -q "io_uring is not available: Operation not permitted.*--engine psync or --engine auto" err.txt ||
  fail "message: $(cat err.txt)"
python3 no_uring.py dsbench randread --file big.bin --engine auto --ops 10 --json > auto.json 2> err.txt
grep -q "warning: io_uring is not available.*using psync" err.txt || fail "no fallback warning: $(cat err.txt)"
python3 -c "import json; r = json.load(open('auto.json')); assert r['engine'] == 'psync' and r['ops'] == 10, r"
mkdir ck
set +e; python3 no_uring.py dsbench ckpt --dir ck --size 1M --engine io_uring > /dev/null 2> err.txt; rc=$?; set -e
expect_eq "ckpt io_uring refused: exit" 6 "$rc"
[ -z "$(ls -A ck)" ] || fail "ckpt left files"
echo OK
