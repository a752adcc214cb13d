# Crafted manifest paths: the outside-the-root rule holds for the decoded path, so an escaped `..` or `/`
# (`\x2e\x2e`, `\x2f`) is refused like a plain one, and a NUL byte (`\x00`, which would split one path into
# two for `xargs -0`) is refused always. Every tool that reads a manifest (each dsmanifest subcommand,
# dsbench randread --data, dschip, dsbalance) refuses the row with the file and line, and prints or opens
# nothing outside the root.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a
echo inside > ds/a/1
echo "the secret" > outside.txt
dsmanifest build ds -o m.tsv
[ "$(wc -l < m.tsv)" -eq 3 ] || fail "expected one entry: $(cat m.tsv)"
abs=$(pwd)/outside.txt

# craft NAME PATH-CELL: m.tsv plus one row (line 4) whose escaped path is PATH-CELL.
craft() { { cat m.tsv; printf '%s\t11\t0\t0\t\ta\n' "$2"; } > "$1.tsv"; }
craft dots '\x2e\x2e/outside.txt'
craft dots_mixed 'a/\x2E\x2e/\x2e./outside.txt'
craft slash "\\x2f${abs#/}"
craft slash_mid "a/..\\x2f..\\x2f${abs#/}"
craft nul 'a/1\x00/etc/passwd'

# refused WHAT EXPECTED-MESSAGE-PART CMD...: exit 2, the message names NAME.tsv:4, nothing on stdout
refused() {
  local what=$1 msg=$2 rc
  shift 2
  capture out.txt "$@"
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2 (stdout: $(head -c 300 out.txt); stderr: $(cat err.txt))"
  grep -q "$name.tsv:4: .*$msg" err.txt || fail "$what: message: $(cat err.txt)"
  [ ! -s out.txt ] || fail "$what: printed $(head -c 300 out.txt | od -c | head -3)"
  grep -q "the secret" out.txt && fail "$what: printed the outside file"
  return 0
}

leaves="is absolute or leaves the root"
for name in dots dots_mixed slash slash_mid nul; do
  msg=$leaves
  [ $name = nul ] && msg="holds a NUL byte"
  for cmd in "stats" "stats --json" "convert --to paths0" "convert --to paths0 --relative" "convert --to jsonl" \
    "convert --to xxhsum" "shuffle --seed 1" "shard --rank 0 --world 1" "split --ratios 0.5,0.5" "verify" \
    "verify --full" "update -o up.tsv"; do
    # shellcheck disable=SC2086
    refused "$name: dsmanifest $cmd" "$msg" dsmanifest $cmd $name.tsv
  done
  refused "$name: dsmanifest diff (as b)" "$msg" dsmanifest diff m.tsv $name.tsv
  refused "$name: dsmanifest diff (as a)" "$msg" dsmanifest diff $name.tsv m.tsv
  refused "$name: dsmanifest split -o" "$msg" dsmanifest split --ratios 0.5,0.5 -o sp.tsv $name.tsv
  if [ -e up.tsv ] || [ -e sp.tsv ]; then fail "$name: an output was written"; fi
  # The tools outside dsmanifest load manifests with the same reader.
  refused "$name: dsbench randread --data" "$msg" dsbench randread --data $name.tsv --epochs 1 --threads 1
  refused "$name: dsbalance" "$msg" dsbalance $name.tsv
  set +e
  dschip $name.tsv -o chips > out.txt 2> err.txt
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "$name: dschip exit 0"
  # (dschip reports the manifest's error as one input's error, without the line.)
  grep -q "^dschip: $name.tsv: .*manifest: path .*$msg" err.txt || fail "$name: dschip message: $(cat err.txt)"
  [ "$(grep -c . err.txt)" -eq 1 ] || fail "$name: dschip went on with the manifest's rows: $(cat err.txt)"
done

# --allow-outside-root accepts a decoded `..` or absolute path, on purpose; never a NUL byte.
name=dots
dsmanifest convert --to paths0 --allow-outside-root dots.tsv > p0
tr '\0' '\n' < p0 | grep -qx "$(pwd)/ds/../outside.txt" || fail "--allow-outside-root: $(tr '\0' '\n' < p0)"
name=slash
dsmanifest convert --to paths0 --allow-outside-root slash.tsv > p0
tr '\0' '\n' < p0 | grep -qx "$abs" || fail "--allow-outside-root absolute: $(tr '\0' '\n' < p0)"
name=nul
refused "nul with --allow-outside-root" "holds a NUL byte" dsmanifest convert --to paths0 --allow-outside-root nul.tsv

# Escapes that decode to an ordinary path inside the root stay valid (`\x2f` is `/`, `\x2e` alone is `.`).
craft inside 'a\x2f1'
craft dot '\x2e/a/1'
for name in inside dot; do
  dsmanifest convert --to paths0 $name.tsv > p0 || fail "$name refused"
  [ "$(tr '\0' '\n' < p0 | grep -c "/ds/")" -eq 2 ] || fail "$name: $(tr '\0' '\n' < p0)"
done
