# dsbalance bad input: documented exit codes and clear messages.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a ds/b
: > ds/a/1; : > ds/a/2; : > ds/b/1
dsmanifest build --hash none ds -o m.tsv

# Usage errors and unreadable input: exit 2.
expect_rc "missing input" 2 dsbalance nosuch 2> e.txt
grep -q "nosuch" e.txt || fail "missing input message: $(cat e.txt)"
expect_rc "unknown format" 2 dsbalance --format coco m.tsv 2> /dev/null
printf 'hello\n' > notes.txt
expect_rc "undetectable file" 2 dsbalance notes.txt 2> e.txt
grep -q "unknown input format" e.txt || fail "detect message: $(cat e.txt)"
expect_rc "bad gate" 2 dsbalance --fail-if 'imbalance>5' m.tsv 2> e.txt
grep -q "unknown metric 'imbalance'" e.txt || fail "gate message: $(cat e.txt)"
expect_rc "bad gate operator" 2 dsbalance --fail-if 'gini=>1' m.tsv 2> /dev/null
expect_rc "bad weights method" 2 dsbalance --weights sqrt m.tsv 2> /dev/null
expect_rc "bad merge" 2 dsbalance --merge cat m.tsv 2> /dev/null
expect_rc "resample without -o" 2 dsbalance --resample --target 3 m.tsv 2> /dev/null
expect_rc "resample without a method" 2 dsbalance --resample m.tsv -o x.tsv 2> /dev/null
expect_rc "resample of a directory" 2 dsbalance --resample --target 3 ds -o x.tsv 2> /dev/null
[ -e x.tsv ] && fail "output written on error"
expect_rc "--json with --csv" 2 dsbalance --json --csv m.tsv 2> /dev/null
expect_rc "class-to-idx on a manifest" 2 dsbalance --class-to-idx m.tsv 2> /dev/null

# Malformed CSV: file:line in the message.
printf 'id,label\na,cat\nb\n' > short.csv
expect_rc "short csv row" 2 dsbalance short.csv 2> e.txt
grep -q "short.csv:3:" e.txt || fail "csv line: $(cat e.txt)"
printf 'id,label\na,"cat\n' > quote.csv
expect_rc "unterminated quote" 2 dsbalance quote.csv 2> e.txt
grep -q "quote.csv:2: unterminated quote" e.txt || fail "csv quote: $(cat e.txt)"
printf 'name,label\na,cat\n' > nocol.csv
expect_rc "missing id column" 2 dsbalance nocol.csv 2> e.txt
grep -q "no column named 'id'" e.txt || fail "csv column: $(cat e.txt)"

# Empty datasets.
mkdir -p empty/only_class
expect_rc "empty ImageFolder" 2 dsbalance empty 2> e.txt
grep -q "empty dataset" e.txt || fail "empty message: $(cat e.txt)"
printf 'id,label\n' > none.csv
expect_rc "empty CSV" 2 dsbalance none.csv 2> /dev/null
expect_rc "everything dropped" 2 dsbalance --drop '*' m.tsv 2> e.txt
grep -q "after the label rules" e.txt || fail "dropped message: $(cat e.txt)"

# --map: an unknown label is an error; a malformed line names file:line.
printf 'a,x\nzebra,y\n' > map.csv
expect_rc "unknown label in --map" 2 dsbalance --map map.csv m.tsv 2> e.txt
grep -q "unknown label 'zebra'" e.txt || fail "map message: $(cat e.txt)"
printf 'a,x,y\n' > map3.csv
expect_rc "three-column map" 2 dsbalance --map map3.csv m.tsv 2> e.txt
grep -q "map3.csv:1:" e.txt || fail "map line: $(cat e.txt)"

# Unreadable folders inside a class: reported, counted, exit 1 (as nobody: root bypasses permissions).
run() { if [ "$(id -u)" -eq 0 ]; then as_nobody "$(command -v dsbalance)" "$@"; else dsbalance "$@"; fi; }
mkdir -p ds/b/locked && : > ds/b/locked/x && chmod 000 ds/b/locked
expect_rc "unreadable class subfolder" 1 run ds > out.txt 2> e.txt
grep -q "locked" e.txt || fail "unreadable message: $(cat e.txt)"
grep -qE '^b +1 ' out.txt || fail "counts with an unreadable folder: $(cat out.txt)"
chmod 755 ds/b/locked
echo OK
