# dsbalance class order per input (COCO category ids, YOLO names index, ImageFolder sorted folders, manifest
# byte order; a merged class takes the place of its first source), a .yaml data file as the input, YOLO
# images without a label file, and long class names cut in the text table but kept whole in JSON/CSV.
. "$(dirname "$0")/lib.sh"

names_of() { python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["classes"]))' "$1"; }

# ---- COCO: categories listed out of order, ids not contiguous; names that sort differently from ids.
cat > coco.json <<'J'
{"images": [{"id": 1}, {"id": 2}, {"id": 3}],
 "annotations": [{"image_id": 1, "category_id": 90}, {"image_id": 1, "category_id": 3},
                 {"image_id": 2, "category_id": 1}, {"image_id": 2, "category_id": 1},
                 {"image_id": 2, "category_id": 44}],
 "categories": [{"id": 90, "name": "apple"}, {"id": 3, "name": "zebra"}, {"id": 1, "name": "person"},
                {"id": 44, "name": "bottle"}, {"id": 7, "name": "aaa_empty"}]}
J
dsbalance --json coco.json > c.json
expect_eq "COCO class order (id order)" "person zebra aaa_empty bottle apple" "$(names_of c.json)"
dsbalance --csv coco.json > c.csv
expect_eq "COCO CSV order" "person zebra aaa_empty bottle apple" "$(tail -n +2 c.csv | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"
dsbalance coco.json > c.txt
expect_eq "COCO table order" "person zebra aaa_empty bottle apple" \
  "$(sed -n '2,6p' c.txt | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
dsbalance --weights balanced --weights-format json coco.json > w.json
python3 -c '
import json
d = json.load(open("w.json"))
assert d["classes"] == ["person", "zebra", "aaa_empty", "bottle", "apple"], d
assert d["weights"][2] == 0, d'
# A merged class takes the place of the first class (in class order) merged into it.
dsbalance --json --merge 'apple=fruit' --merge 'zebra=fruit' coco.json > m.json
expect_eq "merged class position" "person fruit aaa_empty bottle" "$(names_of m.json)"
python3 -c '
import json
d = json.load(open("m.json"))
assert [c["name"] for c in d["before"]["classes"]] == ["person", "zebra", "aaa_empty", "bottle", "apple"], d
assert {c["name"]: c["count"] for c in d["classes"]}["fruit"] == 2, d'

# ---- YOLO: names index order (list and map), and the data file given directly (detected, no --format).
mkdir -p y/labels/train y/images/train y/images/val y/labels/val
printf 'names:\n  5: zebra\n  0: yak\n  2: ant\n' > y/data.yaml
printf '0 0.5 0.5 0.1 0.1\n5 0.5 0.5 0.1 0.1\n' > y/labels/train/a.txt
: > y/labels/train/b.txt                                  # empty label file: background
: > y/images/train/a.jpg; : > y/images/train/b.jpg
: > y/images/train/c.JPG; : > y/images/val/d.png           # no label files: background
: > y/images/train/notes.txt                               # not an image
dsbalance --json y/data.yaml > y.json
python3 -c '
import json
d = json.load(open("y.json"))
assert d["format"] == "yolo", d
assert [c["name"] for c in d["classes"]] == ["yak", "ant", "zebra"], d
a = d["annotations"]
assert a["images"] == 4 and a["unannotated_images"] == 3 and a["no_label_file"] == 2, a
assert a["instances"] == 2, a'
dsbalance y > y.txt
grep -qE '^images +4 \(3 unannotated, 2 without a label file\)' y.txt || fail "yolo images line: $(cat y.txt)"
cp y/data.yaml y/other.yml
dsbalance --json y/other.yml > y2.json
expect_eq ".yml detected as YOLO" "yak ant zebra" "$(names_of y2.json)"
printf 'names: [zz, aa, mm]\n' > y/data.yaml
printf '2 0 0 1 1\n' > y/labels/val/d.txt
dsbalance --json y/data.yaml > y3.json 2> /dev/null
expect_eq "YOLO list order" "zz aa mm" "$(names_of y3.json)"
python3 -c '
import json
a = json.load(open("y3.json"))["annotations"]
assert a["images"] == 4 and a["no_label_file"] == 1, a'

# ---- ImageFolder: sorted folder names (byte order, as torchvision); manifest: byte order too.
mkdir -p f/b f/a f/C f/_x
: > f/b/1; : > f/a/1; : > f/C/1; : > f/_x/1
dsbalance --json f > f.json
expect_eq "ImageFolder order" "C _x a b" "$(names_of f.json)"
dsmanifest build --hash none f -o f.tsv
dsbalance --json f.tsv > fm.json
expect_eq "manifest order" "C _x a b" "$(names_of fm.json)"

# ---- Long class names: cut with an ellipsis in the text table (the columns stay aligned), whole in JSON
# and CSV.
long=$(printf 'a_very_long_class_name_%.0s' 1 2 3 4)  # 92 characters
mkdir -p ln/"$long" ln/short
: > ln/"$long"/1; : > ln/"$long"/2; : > ln/short/1
dsbalance ln > ln.txt
cut40=$(printf '%s' "$long" | cut -c1-39)
grep -q "^${cut40}… " ln.txt || fail "long name not cut to 40 columns: $(cat ln.txt)"
python3 - <<'PY' || fail "table columns misaligned: $(cat ln.txt)"
lines = open("ln.txt", encoding="utf-8").read().splitlines()
rows = lines[:3]
assert all(r[40:42] == "  " for r in rows) and rows[1][39] == "\u2026", rows
assert [r[42:52].strip() for r in rows] == ["count", "2", "1"], rows
PY
dsbalance --json ln | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert any(c["name"] == "'"$long"'" for c in d["classes"]), d'
dsbalance --csv ln | grep -q "^$long,2," || fail "CSV keeps the whole name"
# Non-ASCII names are cut on character boundaries.
ulong=$(printf 'ünïcødé_%.0s' 1 2 3 4 5 6)  # 48 characters, 72 bytes
mkdir -p un/"$ulong" && : > un/"$ulong"/1
dsbalance un > un.txt
python3 - <<'PY' || fail "unicode name not cut on characters: $(cat un.txt)"
row = open("un.txt", encoding="utf-8").read().splitlines()[1]
name = row[:40]
assert len(name) == 40 and name.endswith("\u2026") and name.startswith("ünïcødé_"), name
PY
# On a terminal the name column shrinks to fit (80 columns: 80 - 63 = 17).
if command -v script > /dev/null; then
  script -qec "stty cols 80; dsbalance ln" /dev/null | tr -d '\r' > tty.txt
  grep -q "^$(printf '%s' "$long" | cut -c1-16)… " tty.txt || fail "terminal width not used: $(cat tty.txt)"
fi
echo OK
