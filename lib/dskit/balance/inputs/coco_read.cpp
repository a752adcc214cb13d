// The COCO reader's walk of the top-level object with simdjson's On Demand API: its images, annotations and
// categories, into what the parse collects.
#include <string>

#include "dskit/balance/inputs/coco_parts.h"

namespace dskit::coco_detail {

void read_top(od::document& doc, const AnnotationOptions& o, Collected& c, const char* cut, bool& cut_seen) {
  od::object top = doc.get_object();
  for (auto field : top) {
    const std::string_view k = field.unescaped_key();
    if (k == "images") {
      for (od::object img : field.value().get_array()) {
        for (auto f : img)
          if (f.unescaped_key().value() == "id") c.images.push_back(c.keys.key(f.value()));
      }
    } else if (k == "annotations") {
      od::value v = field.value();
      if (cut && v.raw_json_token().data() == cut) cut_seen = true;
      for (od::object a : v.get_array()) read_annotation(a, o, c);
    } else if (k == "categories") {
      c.saw_categories = true;
      for (od::object cat : field.value().get_array()) {
        int64_t id = 0;
        bool has_id = false;
        std::string name;
        for (auto f : cat) {
          const std::string_view fk = f.unescaped_key();
          if (fk == "id") {
            id = f.value().get_int64();
            has_id = true;
          } else if (fk == "name") {
            name = std::string(std::string_view(f.value().get_string()));
          }
        }
        if (!has_id) c.category_without_id = true;
        if (name.empty()) name = std::to_string(id);
        if (!c.categories.emplace(id, std::move(name)).second && !c.duplicate_category)
          c.duplicate_category = id;
      }
    }
  }
}

}  // namespace dskit::coco_detail
