// The pieces of the COCO reader that its files share: the whole-file parse (coco.cpp), the reading of the
// top-level object (coco_read.cpp), the chunked reading of the annotations array (coco_chunked.cpp) and the
// counting (coco_count.cpp). Internal to balance/inputs.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dskit/balance/inputs/input.h"

namespace dskit::coco_detail {

namespace od = simdjson::ondemand;

// Image ids are numbers or strings; strings are interned into ids with bit 62 set.
class IdKeys {
 public:
  int64_t key(od::value v) {
    if (v.type() == od::json_type::string) {
      const std::string_view s = v.get_string();
      const auto it = strings_.find(std::string(s));
      if (it != strings_.end()) return it->second;
      const int64_t k = (int64_t{1} << 62) | static_cast<int64_t>(strings_.size());
      strings_.emplace(std::string(s), k);
      return k;
    }
    return v.get_int64();
  }

 private:
  std::unordered_map<std::string, int64_t> strings_;
};

// An annotation's category when it has no category_id, and when it is a crowd annotation skipped with
// o.crowd off (the image counts as annotated, the annotation nowhere).
inline constexpr int64_t kNoCategory = INT64_MIN;
inline constexpr int64_t kSkippedCrowd = INT64_MIN + 1;

struct Ann {
  int64_t image;
  int64_t category;
};

// What the parse collects before counting.
struct Collected {
  std::vector<int64_t> images;
  std::vector<Ann> anns;
  std::map<int64_t, std::string> categories;
  IdKeys keys;
  bool saw_categories = false;
  bool category_without_id = false;
  std::optional<int64_t> duplicate_category;  // the first category id listed twice
  uint64_t crowd = 0, skipped = 0;
};

// iscrowd's value: true, or a non-zero number.
inline bool truthy(od::value v) {
  switch (v.type()) {
    case od::json_type::boolean:
      return v.get_bool();
    case od::json_type::number:
      return v.get_double() != 0;
    default:
      return false;
  }
}

// One object of the annotations array into c.anns; throws simdjson_error. Inline: both readers call it
// once per annotation.
inline void read_annotation(od::object a, const AnnotationOptions& o, Collected& c) {
  Ann ann{-1, 0};
  bool has_cat = false, crowd = false;
  for (auto f : a) {
    const std::string_view fk = f.unescaped_key();
    if (fk == "category_id") {
      ann.category = f.value().get_int64();
      has_cat = true;
    } else if (fk == "image_id") {
      ann.image = c.keys.key(f.value());
    } else if (fk == "iscrowd") {
      crowd = truthy(f.value());
    }
  }
  if (!has_cat) ann.category = kNoCategory;
  if (crowd) {
    ++c.crowd;
    if (!o.crowd) {
      ++c.skipped;
      ann.category = kSkippedCrowd;
    }
  }
  c.anns.push_back(ann);
}

// The top-level object's images, annotations and categories; throws simdjson_error. When `cut` is set,
// `cut_seen` tells whether the top-level annotations array starts there.
void read_top(od::document& doc, const AnnotationOptions& o, Collected& c, const char* cut, bool& cut_seen);

// Reads the top-level "annotations" array in chunks of about o.json_chunk bytes, each parsed as an array of
// its own, so that simdjson's structural index (4 bytes per JSON token) covers one chunk at a time rather
// than the whole file; then the rest of the document, the array emptied. False when the file does not have
// this shape or anything fails to parse (`c` is then to be thrown away): the caller parses the whole file,
// which also words the errors.
bool read_chunked(std::string_view text, const AnnotationOptions& o, od::parser& parser, Collected& c,
                  uint64_t& chunks);

// The histogram (classes in id order), the instance and unknown-category counts with their warnings, and the
// images count and unannotated images of what the parse of `file` collected; sorts c.images.
void count_collected(const std::string& file, const AnnotationOptions& o, Collected& c,
                     AnnotationResult& out);

}  // namespace dskit::coco_detail
