# dsbalance on hostile input (issue 12): a FIFO never hangs it (refused without a blocking open, or read as a
# stream when --format manifest or csv asks for it), duplicate COCO category ids are an error naming the id,
# and a CSV with a UTF-8 byte order mark is read. Each part failed on the code before the fix.
. "$(dirname "$0")/lib.sh"

# A FIFO named like a COCO file, with no writer: refused at once (it hung in open() before). `timeout` turns a
# hang into a failure.
mkfifo x.json
set +e
timeout 20 dsbalance x.json > out.txt 2> e.txt
rc=$?
set -e
[ "$rc" -ne 124 ] || fail "dsbalance on a FIFO named x.json hung"
expect_eq "FIFO exit code" 2 "$rc"
grep -q "x.json: not a regular file or directory" e.txt || fail "FIFO message: $(cat e.txt)"
for f in coco yolo voc; do
  set +e
  timeout 20 dsbalance --format "$f" x.json > out.txt 2> e.txt
  rc=$?
  set -e
  [ "$rc" -ne 124 ] || fail "dsbalance --format $f on a FIFO hung"
  expect_eq "--format $f FIFO exit code" 2 "$rc"
  grep -q "x.json: not a regular file" e.txt || fail "--format $f FIFO message: $(cat e.txt)"
done
# A character device: refused, not read as an empty input.
expect_rc "character device" 2 timeout 20 dsbalance --format coco /dev/zero 2> e.txt
grep -q "/dev/zero: not a regular file" e.txt || fail "device message: $(cat e.txt)"

# Asked for, a FIFO is a stream: CSV and manifest inputs read it (waiting for its writer, as cat does).
mkfifo labels.fifo
(printf 'id,label\na,cat\nb,cat\nc,dog\n' > labels.fifo) &
timeout 20 dsbalance --format csv --json labels.fifo > out.json || fail "--format csv on a FIFO"
wait
grep -q '"cat","count":2' out.json || fail "CSV read from a FIFO: $(cat out.json)"

# Duplicate COCO category ids: an error naming the id (the second name silently replaced the first before).
cat > dup.json << 'JSON'
{"images": [{"id": 1}, {"id": 2}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 7}, {"id": 2, "image_id": 2, "category_id": 3}],
 "categories": [{"id": 7, "name": "cat"}, {"id": 3, "name": "dog"}, {"id": 7, "name": "bird"}]}
JSON
expect_rc "duplicate category id" 2 dsbalance dup.json > out.txt 2> e.txt
grep -q 'dup.json: category id 7 is listed twice in "categories"' e.txt || fail "duplicate id message: $(cat e.txt)"
# A CSV with a UTF-8 byte order mark (as Excel writes it): read as if the mark were not there.
printf '\xef\xbb\xbfid,label\na,cat\nb,dog\nc,dog\n' > bom.csv
printf 'id,label\na,cat\nb,dog\nc,dog\n' > plain.csv
dsbalance --json bom.csv > bom.json 2> e.txt || fail "CSV with a BOM refused: $(cat e.txt)"
dsbalance --json plain.csv > plain.json
sed 's/bom\.csv/plain.csv/' bom.json > bom_as_plain.json
expect_same_file "CSV with a BOM" plain.json bom_as_plain.json
