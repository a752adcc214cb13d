# dsbalance on COCO, YOLO and VOC inputs: --json counts against counts computed independently by python3.
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || { echo "python3 not installed: skipped"; exit 0; }

# json_counts FILE: "name=count" lines of the report's classes, sorted.
json_counts() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); [print(c["name"] + "=" + str(c["count"])) for c in r["classes"]]' "$1" | sort; }
# json_get FILE KEY.SUBKEY: one member of the report.
json_get() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): r=r[k]
print(r)' "$1" "$2"; }

# ---- COCO: non-contiguous ids, a crowd annotation, an unknown category, an unannotated image.
python3 - <<'PY'
import json, random
random.seed(7)
cats = [{"id": i, "name": n} for i, n in [(90, "toothbrush"), (1, "person"), (3, "car"), (44, "bottle")]]
images = [{"id": i, "file_name": f"{i}.jpg"} for i in range(1, 41)]
anns = []
for k in range(300):
    img = random.randint(1, 38)  # images 39 and 40 stay unannotated
    cat = random.choice([1, 1, 1, 3, 3, 90, 44])
    anns.append({"id": k, "image_id": img, "category_id": cat, "iscrowd": 1 if k % 17 == 0 else 0,
                 "bbox": [0, 0, 1, 1]})
anns.append({"id": 999, "image_id": 1, "category_id": 12, "iscrowd": 0})
json.dump({"info": {}, "images": images, "annotations": anns, "categories": cats}, open("coco.json", "w"))
PY
oracle_coco() {  # UNIT CROWD
  python3 - "$1" "$2" <<'PY'
import json, sys, collections
unit, crowd = sys.argv[1], sys.argv[2] == "1"
d = json.load(open("coco.json"))
names = {c["id"]: c["name"] for c in d["categories"]}
seen, c = set(), collections.Counter()
for a in d["annotations"]:
    if a["category_id"] not in names or (a.get("iscrowd") and not crowd): continue
    if unit == "images":
        if (a["image_id"], a["category_id"]) in seen: continue
        seen.add((a["image_id"], a["category_id"]))
    c[names[a["category_id"]]] += 1
for n in sorted(c): print(f"{n}={c[n]}")
PY
}
dsbalance --json coco.json > r.json 2> e.txt
grep -q "category_id 12" e.txt || fail "unknown category warning: $(cat e.txt)"
expect_eq "coco format" coco "$(json_get r.json format)"
expect_eq "coco instances" "$(oracle_coco instances 1)" "$(json_counts r.json)"
expect_eq "coco unannotated" 2 "$(json_get r.json annotations.unannotated_images)"
expect_eq "coco unknown" 1 "$(json_get r.json annotations.unknown)"
expect_eq "coco images" 40 "$(json_get r.json annotations.images)"
dsbalance --json --no-crowd coco.json > r.json 2> /dev/null
expect_eq "coco --no-crowd" "$(oracle_coco instances 0)" "$(json_counts r.json)"
dsbalance --json --unit images coco.json > r.json 2> /dev/null
expect_eq "coco --unit images" "$(oracle_coco images 1)" "$(json_counts r.json)"
expect_eq "coco unit" images "$(json_get r.json annotations.unit)"
dsbalance coco.json 2> /dev/null | grep -q "unannotated" || fail "text report lacks unannotated images"

# ---- YOLO: names as a list and as a map; an empty label file; an unknown class id.
mkdir -p y1/labels/train y1/labels/val
printf 'names: [cat, dog, bird]\n' > y1/data.yaml
printf '0 .5 .5 .1 .1\n0 .1 .1 .1 .1\n2 .5 .5 .1 .1\n' > y1/labels/train/a.txt
printf '1 .5 .5 .1 .1\n9 .5 .5 .1 .1\n' > y1/labels/val/b.txt
: > y1/labels/train/bg.txt
dsbalance --json y1 > r.json 2> e.txt
grep -q "class id 9" e.txt || fail "yolo unknown id warning: $(cat e.txt)"
expect_eq "yolo format" yolo "$(json_get r.json format)"
expect_eq "yolo list counts" "$(printf 'bird=1\ncat=2\ndog=1')" "$(json_counts r.json)"
expect_eq "yolo background" 1 "$(json_get r.json annotations.unannotated_images)"
dsbalance --json --unit images y1 > r.json 2> /dev/null
expect_eq "yolo --unit images" "$(printf 'bird=1\ncat=1\ndog=1')" "$(json_counts r.json)"
mkdir -p y2/labels
printf 'names:\n  0: person\n  5: car\n' > y2/data.yml
printf '5 .5 .5 .1 .1\n5 .5 .5 .1 .1\n0 .5 .5 .1 .1\n' > y2/labels/x.txt
dsbalance --json y2 > r.json
expect_eq "yolo map counts" "$(printf 'car=2\nperson=1')" "$(json_counts r.json)"
printf 'names: [cat, dog\n' > y2/data.yml
expect_rc "broken yaml" 2 dsbalance y2 2> e.txt
grep -q "y2/data.yml:[0-9]*:" e.txt || fail "yaml line: $(cat e.txt)"

# ---- VOC: a difficult object, with and without --include-difficult.
mkdir -p voc/Annotations voc/JPEGImages
printf '<annotation><object><name>dog</name><difficult>0</difficult></object><object><name>dog</name><difficult>1</difficult></object><object><name>cat</name></object></annotation>\n' > voc/Annotations/1.xml
printf '<annotation><object><name>dog</name></object></annotation>\n' > voc/Annotations/2.xml
printf '<annotation><filename>3.jpg</filename></annotation>\n' > voc/Annotations/3.xml
dsbalance --json voc > r.json
expect_eq "voc format" voc "$(json_get r.json format)"
expect_eq "voc counts" "$(printf 'cat=1\ndog=2')" "$(json_counts r.json)"
expect_eq "voc skipped" 1 "$(json_get r.json annotations.skipped)"
dsbalance --json --include-difficult voc > r.json
expect_eq "voc --include-difficult" "$(printf 'cat=1\ndog=3')" "$(json_counts r.json)"

# ---- Broken input: file and position; bad --unit.
printf '{"images": [],\n "annotations": [{"category_id": ]}' > bad.json
expect_rc "broken json" 2 dsbalance bad.json 2> e.txt
grep -q "bad.json: invalid COCO JSON at byte offset [0-9]* (line 2" e.txt || fail "json position: $(cat e.txt)"
printf '<annotation><object>\n' > voc/Annotations/4.xml
expect_rc "broken xml" 2 dsbalance voc 2> e.txt
grep -q "4.xml: invalid XML at byte offset" e.txt || fail "xml offset: $(cat e.txt)"
expect_rc "bad unit" 2 dsbalance --unit boxes coco.json 2> /dev/null
echo OK
