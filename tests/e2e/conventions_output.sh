# One set of output conventions across the tools (issue 13):
#   -o FILE wherever a tool prints a report or a list (dsls's listing, dsbench's report, dsbalance's report
#   without --resample), with the rules of base/fileio.h: the same bytes as on standard output, a regular file
#   replaced whole (a new inode, the old one untouched when the run fails), a symlink's target replaced (the link
#   stays), a FIFO written through; -j/--threads in dsbench; --json in dsmanifest shuffle and shard (the rows
#   as `convert --to jsonl` writes them); units in dsbench train --compute-time; IEC sizes in dsbench's table
#   (raw numbers in its JSON); dsls --summary's header on a terminal only; dsbench meta's readdir row labelled;
#   dsbalance's torch alpha labelled as focal-loss alpha.
. "$(dirname "$0")/lib.sh"

make_classes ds cat:6 dog:3 bird:2
dsmanifest build ds -o m.tsv
head -c 200000 /dev/urandom > small.bin

# check_o NAME NORM CMD...: CMD's standard output (the reference) and CMD -o @OUT@ agree for a regular file
# (new and replaced), a symlink and a FIFO. NORM filters what differs from run to run (timings).
check_o() {
  local name=$1 norm=$2
  shift 2
  local d="o.$name" plain=()
  rm -rf "$d" && mkdir "$d"
  for a in "$@"; do [ "$a" = -o ] || [ "$a" = @OUT@ ] || plain+=("$a"); done
  "${plain[@]}" > "$d/stdout" 2> /dev/null || fail "$name: the run to standard output failed"
  [ -s "$d/stdout" ] || fail "$name: nothing on standard output"

  # A new regular file: the same bytes as standard output, nothing on standard output.
  run_out "$d/new" "$@" > "$d/new.stdout" 2> "$d/err" || fail "$name -o: $(cat "$d/err")"
  [ -s "$d/new.stdout" ] && fail "$name -o: standard output is not empty: $(head -3 "$d/new.stdout")"
  diff <($norm "$d/stdout") <($norm "$d/new") > /dev/null || fail "$name -o: the file differs from stdout"

  # A regular file replaced: a new inode (written beside it and renamed), its permission bits kept, no
  # temporary left behind.
  echo old > "$d/old" && chmod 640 "$d/old"
  local ino
  ino=$(stat -c %i "$d/old")
  exec 7< "$d/old"  # holds the old inode: a rename leaves it as it was
  run_out "$d/old" "$@" > /dev/null 2>&1 || fail "$name -o over a file failed"
  expect_eq "$name: the old inode's bytes" old "$(cat <&7)"
  exec 7<&-
  [ "$(stat -c %i "$d/old")" != "$ino" ] || fail "$name -o: the file was rewritten in place, not replaced"
  expect_eq "$name: mode of a replaced file" 640 "$(stat -c %a "$d/old")"
  diff <($norm "$d/stdout") <($norm "$d/old") > /dev/null || fail "$name -o: the replaced file differs"
  ls -A "$d" | grep -q 'dskit-.*\.tmp$' && fail "$name: a temporary was left: $(ls -A "$d")"

  # A symlink and a FIFO: written through (lib.sh).
  expect_link_and_fifo_written "$name" "$d" "$d/stdout" "$norm" "$@"
}
same() { cat "$1"; }
# dsbench's report minus its measurements: the text table's header line, or the JSON's fixed members.
bench_text() { head -1 "$1"; }
bench_json() {
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["mode"], r["threads"], r["ops"], r["block"])' "$1"
}

check_o dsls same dsls ds --sort -l -o @OUT@
check_o dsls_summary same dsls ds --summary -o @OUT@
check_o dsls_json same dsls ds --sort --json -o @OUT@
check_o dsbench_text bench_text dsbench randread --file small.bin --buffered --ops 20 -o @OUT@
check_o dsbench_json bench_json dsbench randread --file small.bin --buffered --ops 20 --json -o @OUT@
check_o dsbalance same dsbalance m.tsv -o @OUT@
check_o dsbalance_json same dsbalance --json m.tsv -o @OUT@
check_o dsbalance_csv same dsbalance --csv m.tsv -o @OUT@
check_o dsbalance_weights same dsbalance --weights balanced m.tsv -o @OUT@
dspack build ds -o pk 2> /dev/null
check_o dspack_ls same dspack ls pk -o @OUT@
check_o dspack_ls_json same dspack ls --json pk -o @OUT@

# An output that cannot be written: every tool exits 3 (man/dskit.7), the path named,
# and a file already there is left as it was.
mkdir ro && echo keep > ro/list && chmod 555 ro
if [ "$(id -u)" = 0 ]; then
  mknod full c 1 7
  err_is "dsls -o /dev/full" 3 "full.*No space left on device" dsls ds -o full
  err_is "dsbench -o /dev/full" 3 "full.*No space left on device" \
    dsbench randread --file small.bin --buffered --ops 20 -o full
  err_is "dsbalance -o /dev/full" 3 "full.*No space left on device" dsbalance m.tsv -o full
else
  err_is "dsls -o in a read-only dir" 3 "ro/list" dsls ds -o ro/list
  expect_eq "dsls: the old file after a failed -o" keep "$(cat ro/list)"
fi
chmod 755 ro

# dsls: a walk that fails at its root still writes what it listed, and exits 2 as without -o.
expect_rc "dsls -o with a missing root" 2 dsls ds nosuch -o part.txt 2> /dev/null
[ "$(wc -l < part.txt)" -eq "$(find ds -mindepth 1 | wc -l)" ] || fail "dsls -o with a missing root: $(cat part.txt)"

# dsbalance --resample: -o stays the resampled manifest, the summary goes to standard output.
dsbalance --resample --max-per-class 2 --seed 1 m.tsv -o res.tsv > res.out
grep -q '^#' res.tsv && grep -q 'repeat' res.tsv || fail "--resample -o is not the manifest: $(head -3 res.tsv)"
[ -s res.out ] || fail "--resample: no summary on standard output"

# -j is dsbench's short form of --threads (I/O workers).
dsbench randread --file small.bin --buffered --ops 40 -j 3 --json > j.json 2> /dev/null
python3 -c 'import json; r = json.load(open("j.json")); assert r["threads"] == 3, r["threads"]'
# Every tool that runs workers has -j, --threads, with one wording: "Worker threads (default: ...)".
has_threads() {
  "$@" --help | python3 -c '
import re, sys
h = sys.stdin.read()
sys.exit(0 if re.search(r"-j, ?--threads\b[^\n]*(\n +)?[^\n]*Worker threads \(default: ", h) else 1)' ||
    fail "$* --help lacks '-j, --threads ... Worker threads (default: ...)'"
}
for cmd in dsls dsbalance dschip "dsmanifest build" "dsmanifest update" "dsmanifest verify" \
  "dsbench randread" "dsbench meta" "dsbench train"; do
  # shellcheck disable=SC2086
  has_threads $cmd
done

# dsmanifest shuffle/shard --json: JSON Lines, the same objects as `convert --to jsonl` of the manifest they
# would write; with --indices one {"index":N} per line, in the same order as the plain indices.
dsmanifest shuffle --seed 7 m.tsv -o sh.tsv
dsmanifest convert sh.tsv --to jsonl -o sh.want.jsonl
dsmanifest shuffle --seed 7 m.tsv --json > sh.jsonl
expect_same_file "shuffle --json" sh.want.jsonl sh.jsonl
dsmanifest shuffle --seed 7 m.tsv --indices > sh.idx
dsmanifest shuffle --seed 7 m.tsv --indices --json > sh.idx.jsonl
python3 - sh.idx sh.idx.jsonl <<'PY'
import json, sys
want = [int(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert got == [{"index": i} for i in want], (got, want)
PY
dsmanifest shard --seed 7 --rank 1 --world 4 --pad m.tsv -o sd.tsv
dsmanifest convert sd.tsv --to jsonl -o sd.want.jsonl
dsmanifest shard --seed 7 --rank 1 --world 4 --pad m.tsv --json -o sd.jsonl
expect_same_file "shard --json" sd.want.jsonl sd.jsonl
dsmanifest shard --seed 7 --rank 3 --world 4 --pad m.tsv --indices > sd.idx
dsmanifest shard --seed 7 --rank 3 --world 4 --pad m.tsv --indices --json > sd.idx.jsonl
python3 - sd.idx sd.idx.jsonl sd.jsonl <<'PY'
import json, sys
want = [int(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert [g["index"] for g in got] == want, (got, want)
assert any(g["is_pad"] for g in got) and not all(g["is_pad"] for g in got), got  # 11 rows, 4 ranks: pads
rows = [json.loads(l) for l in open(sys.argv[3])]
assert rows and all("path" in r and "is_pad" in r for r in rows), rows
PY

# dsbench train --compute-time takes a duration; a bare number is still seconds.
mkdir tds && for i in 1 2 3 4; do head -c 8192 /dev/urandom > "tds/$i.bin"; done
dsbench train --data tds --buffered --batch 2 --steps 2 --compute-time 20ms --json > ct1.json 2> /dev/null
dsbench train --data tds --buffered --batch 2 --steps 2 --compute-time 0.02 --json > ct2.json 2> /dev/null
python3 - <<'PY'
import json
a, b = json.load(open("ct1.json")), json.load(open("ct2.json"))
assert a["compute_time_s"] == b["compute_time_s"] == 0.02, (a["compute_time_s"], b["compute_time_s"])
PY
err_is "--compute-time 2h" 2 "compute-time" dsbench train --data tds --buffered --compute-time 2h
err_is "--compute-time 3q" 2 "compute-time.*not a duration\|compute-time.*unit" dsbench train --data tds --compute-time 3q

# dsbench's table: sizes in IEC units, raw numbers in the JSON; meta's readdir row labelled.
dsbench ckpt --dir . --writers 2 --size 1M --block 256k --buffered --no-fsync > ck.txt
grep -q "size 1 MiB each" ck.txt || fail "ckpt table: $(head -1 ck.txt)"
grep -q "block 256 KiB" ck.txt || fail "ckpt table block: $(head -1 ck.txt)"
grep -q "^written 2 MiB in" ck.txt || fail "ckpt table written: $(sed -n 2p ck.txt)"
dsbench ckpt --dir . --writers 2 --size 1M --buffered --no-fsync --json > ck.json
python3 -c 'import json; r = json.load(open("ck.json")); assert r["size_per_writer"] == 1048576, r'
dsbench meta --dir . --threads 2 --files 20 --file-size 1k > meta.txt
grep -q "file size 1 KiB" meta.txt || fail "meta header: $(head -1 meta.txt)"
grep -q "^readdir: ops and ops/s count entries listed; its latencies are per directory listing" meta.txt ||
  fail "meta readdir label: $(cat meta.txt)"

# dsbalance --weights-format torch: the alpha line has a focal-loss label above it; the JSON is unchanged.
dsbalance --weights balanced --weights-format torch m.tsv > w.py
grep -B1 '^alpha = torch.tensor' w.py | head -1 | grep -q '^# focal-loss alpha' || fail "torch alpha label: $(cat w.py)"
python3 -c '
import re
exec(re.sub(r"torch\.tensor", "list", open("w.py").read()))
assert abs(sum(alpha) - 1) < 1e-6 and len(weight) == 3, (weight, alpha)'
dsbalance --weights balanced --weights-format json m.tsv | grep -q focal || fail "weights JSON"

# dsls --summary: a header naming the columns on a terminal (script(1) gives one), none on a pipe or with -o.
script -qec "dsls --summary ds" /dev/null | tr -d '\r' > tty.txt
expect_eq "dsls --summary on a terminal" "$(printf 'files\tdirs\tbytes\tpath')" "$(head -1 tty.txt)"
dsls --summary ds > pipe.txt
expect_eq "terminal rows after the header" "$(cat pipe.txt)" "$(sed -n '2,$p' tty.txt | grep -v $'\e')"
grep -q '^files' pipe.txt && fail "dsls --summary on a pipe has a header"
script -qec "dsls --summary ds -o tty_o.txt" /dev/null > /dev/null
expect_same_file "dsls --summary -o from a terminal" pipe.txt tty_o.txt
script -qec "dsls --summary --json ds" /dev/null | tr -d '\r' | grep -q '^files' && fail "a header in --json"

# dsbalance -o FILE from a narrow terminal: the file's table is the one a pipe gets (names are shortened to the
# terminal's width only when the report goes to the terminal).
long=a_class_name_much_longer_than_what_a_narrow_terminal_shows
mkdir -p lds/$long lds/b && echo 1 > lds/$long/1 && echo 2 > lds/b/2
dsbalance lds > lds.pipe
script -qec "stty cols 60; dsbalance lds -o lds.file" /dev/null > /dev/null
expect_same_file "dsbalance -o from a narrow terminal" lds.pipe lds.file
echo "conventions_output: ok"
