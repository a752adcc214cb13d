#include "dskit/balance_coco.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dskit {

namespace {

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

bool truthy(od::value v) {
  switch (v.type()) {
    case od::json_type::boolean:
      return v.get_bool();
    case od::json_type::number:
      return v.get_double() != 0;
    default:
      return false;
  }
}

struct Ann {
  int64_t image;
  int64_t category;
};

std::string position(const simdjson::padded_string& json, std::size_t offset) {
  offset = std::min(offset, json.size());
  uint64_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (json.data()[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "byte offset " + std::to_string(offset) + " (line " + std::to_string(line) + ", column " +
         std::to_string(col) + ")";
}

// Where stage 1 (simdjson's structural scan, before any value is read) failed: the offset of an unclosed
// string's opening quote, or the end of the input for a truncated document.
std::string stage1_where(const simdjson::padded_string& json, simdjson::error_code err) {
  if (err == simdjson::UNCLOSED_STRING) {
    std::size_t open = 0;
    bool in = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
      const char c = json.data()[i];
      if (in && c == '\\') {
        ++i;
      } else if (c == '"') {
        in = !in;
        if (in) open = i;
      }
    }
    return position(json, open);
  }
  return position(json, json.size());
}

}  // namespace

std::optional<std::string> coco_histogram(const std::string& file, const AnnotationOptions& o,
                                          AnnotationResult& out) {
  {
    const int fd = ::open(file.c_str(), O_RDONLY);
    if (fd < 0) return file + ": " + std::strerror(errno);
    ::close(fd);
  }
  simdjson::padded_string json;
  if (auto err = simdjson::padded_string::load(file).get(json))
    return file + ": " + simdjson::error_message(err);

  std::vector<int64_t> images;
  std::vector<Ann> anns;
  std::map<int64_t, std::string> categories;
  IdKeys keys;
  bool saw_categories = false;
  od::parser parser;
  od::document doc;
  if (const auto err = parser.iterate(json).get(doc)) {
    if (err == simdjson::EMPTY) return file + ": empty file (not a COCO instances JSON)";
    return file + ": invalid COCO JSON at " + stage1_where(json, err) + ": " + simdjson::error_message(err);
  }
  try {
    od::object top = doc.get_object();
    for (auto field : top) {
      const std::string_view k = field.unescaped_key();
      if (k == "images") {
        for (od::object img : field.value().get_array()) {
          for (auto f : img)
            if (f.unescaped_key().value() == "id") images.push_back(keys.key(f.value()));
        }
      } else if (k == "annotations") {
        for (od::object a : field.value().get_array()) {
          Ann ann{-1, 0};
          bool has_cat = false, crowd = false;
          for (auto f : a) {
            const std::string_view fk = f.unescaped_key();
            if (fk == "category_id") {
              ann.category = f.value().get_int64();
              has_cat = true;
            } else if (fk == "image_id") {
              ann.image = keys.key(f.value());
            } else if (fk == "iscrowd") {
              crowd = truthy(f.value());
            }
          }
          if (!has_cat) ann.category = INT64_MIN;
          if (crowd) {
            ++out.crowd;
            if (!o.crowd) {
              ++out.skipped;
              ann.category = INT64_MIN + 1;  // marks the image annotated, counted nowhere
            }
          }
          anns.push_back(ann);
        }
      } else if (k == "categories") {
        saw_categories = true;
        for (od::object c : field.value().get_array()) {
          int64_t id = 0;
          bool has_id = false;
          std::string name;
          for (auto f : c) {
            const std::string_view fk = f.unescaped_key();
            if (fk == "id") {
              id = f.value().get_int64();
              has_id = true;
            } else if (fk == "name") {
              name = std::string(std::string_view(f.value().get_string()));
            }
          }
          if (!has_id) return file + ": a category without an id";
          if (name.empty()) name = std::to_string(id);
          categories[id] = std::move(name);
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    std::string where;
    const char* loc = nullptr;
    if (e.error() == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || e.error() == simdjson::UNCLOSED_STRING)
      where = stage1_where(json, e.error());
    else if (doc.current_location().get(loc) == simdjson::SUCCESS && loc)
      where = position(json, static_cast<std::size_t>(loc - json.data()));
    else
      where = "end of input";
    return file + ": invalid COCO JSON at " + where + ": " + e.what();
  }
  if (!saw_categories) return file + ": no \"categories\" array (not a COCO instances file)";

  // Classes in id order.
  std::map<int64_t, std::size_t> index;
  out.histogram.ordered = true;
  for (const auto& [id, name] : categories) {
    index.emplace(id, out.histogram.declared.size());
    out.histogram.declared.push_back(name);
  }
  std::vector<uint64_t> counts(out.histogram.declared.size(), 0);
  std::map<int64_t, uint64_t> unknown;
  std::vector<std::pair<int64_t, std::size_t>> per_image;  // (image, class) for CountUnit::images
  for (const auto& a : anns) {
    if (a.category == INT64_MIN + 1) continue;  // skipped crowd
    const auto it = index.find(a.category);
    if (it == index.end()) {
      ++unknown[a.category];
      ++out.unknown;
      continue;
    }
    ++out.instances;
    if (o.unit == CountUnit::instances)
      ++counts[it->second];
    else
      per_image.emplace_back(a.image, it->second);
  }
  if (o.unit == CountUnit::images) {
    std::sort(per_image.begin(), per_image.end());
    per_image.erase(std::unique(per_image.begin(), per_image.end()), per_image.end());
    for (const auto& p : per_image) ++counts[p.second];
  }
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i]) out.histogram.add(out.histogram.declared[i], counts[i]);
  for (const auto& [id, n] : unknown)
    out.warnings.push_back(file + ": " + std::to_string(n) + " annotation(s) with category_id " +
                           (id == INT64_MIN ? std::string("missing") : std::to_string(id)) +
                           ", not in categories (not counted)");

  // Unannotated images: listed images that no annotation refers to.
  std::vector<int64_t> annotated;
  annotated.reserve(anns.size());
  for (const auto& a : anns) annotated.push_back(a.image);
  std::sort(annotated.begin(), annotated.end());
  annotated.erase(std::unique(annotated.begin(), annotated.end()), annotated.end());
  std::sort(images.begin(), images.end());
  images.erase(std::unique(images.begin(), images.end()), images.end());
  out.images = images.size();
  for (const int64_t id : images)
    if (!std::binary_search(annotated.begin(), annotated.end(), id)) ++out.unannotated;
  return std::nullopt;
}

}  // namespace dskit
