# One size and duration grammar on every command line (base/units.h): the same spellings work in dsls and
# dsbench (10ki, 1.5k, 4KiB), dsbench --duration takes units (2s, 500ms), and bad values are refused with
# exit 2 and a short message that names the flag.
. "$(dirname "$0")/lib.sh"

short_err() {  # WHAT CODE PATTERN CMD...: err_is, and the message stays one short line
  err_is "$@"
  [ "$(wc -c < err.txt)" -lt 200 ] || fail "$1: message too long: $(cat err.txt)"
}


# dsls -S: sizes around 1.5k = 1536 bytes, against find's byte counts.
mkdir t
for n in 1535 1536 1537 10240 10241; do head -c $n /dev/zero > t/f$n; done
expect_eq "dsls -S +1.5k" "t/f10240 t/f10241 t/f1536 t/f1537" "$(dsls t -S +1.5k | sort | xargs)"
expect_eq "dsls -S 10ki" "t/f10240" "$(dsls t -S 10ki | xargs)"
expect_eq "dsls -S -10KiB -S +0.0014M" "t/f10240 t/f1535 t/f1536 t/f1537" "$(dsls t -S -10KiB -S +0.0014M | sort | xargs)"
expect_eq "dsls -S 1536b" "t/f1536" "$(dsls t -S 1536b | xargs)"
short_err "dsls -S too large" 2 "too large" dsls t -S +16384P
short_err "dsls -S 309 digits" 2 "too large" dsls t -S "$(printf '9%.0s' $(seq 309))"
short_err "dsls -S unit" 2 "unknown unit 'q'" dsls t -S 4q
short_err "dsls --newer bad unit" 2 "invalid time" dsls t --newer 3x

# dsbench: the spellings dsls accepts, and --duration with units.
head -c 1048576 /dev/urandom > f.bin
dsbench randread --file f.bin --buffered --block 4ki --ops 1k --json > r.json 2> /dev/null
python3 -c "import json; d = json.load(open('r.json')); assert d['block'] == 4096 and d['ops'] == 1024, d"
dsbench randread --file f.bin --buffered --block 0.5KiB --duration 300ms --json > d.json 2> /dev/null
python3 -c "
import json; d = json.load(open('d.json'))
assert d['block'] == 512 and 0.25 < d['seconds'] < 5, d"
short_err "dsbench --duration 0" 2 "more than 0" dsbench randread --file f.bin --buffered --duration 0
short_err "dsbench --duration unit" 2 "^dsbench: --duration: .*unknown unit 'x'" dsbench randread --file f.bin --duration 2x
short_err "dsbench --duration negative" 2 "negative" dsbench randread --file f.bin --duration -1s
short_err "dsbench --block too large" 2 "^dsbench: --block: .*too large" dsbench randread --file f.bin --block 99999P
short_err "dsbench --size garbage" 2 "^dsbench: --size: .*not a size" dsbench randread --file f.bin --size 1e3
