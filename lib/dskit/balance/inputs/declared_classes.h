// Internal to balance/inputs: the classes an annotation format declares (id -> name) and their counts,
// shared by the COCO and YOLO readers: declared in id order, one annotation counted per instance or marked
// for its image, and the nonzero counts added to the histogram at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dskit/balance/inputs/input.h"

namespace dskit::inputs_detail {

class DeclaredClasses {
 public:
  // Declares every class of `names` in out.histogram (ordered, in id order).
  DeclaredClasses(const std::map<int64_t, std::string>& names, CountUnit unit, AnnotationResult& out)
      : unit_(unit), counts_(names.size(), 0) {
    out.histogram.ordered = true;
    for (const auto& [id, name] : names) {
      index_.emplace(id, out.histogram.declared.size());
      out.histogram.declared.push_back(name);
    }
  }

  // The position of class `id`, or nothing when it is not declared.
  std::optional<std::size_t> find(int64_t id) const {
    const auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  // One annotation of the class at position c: counted in out.instances, and per instance in its class.
  // Returns true when the count is per image: the caller marks the class for the annotation's image and
  // counts each (image, class) once with count_image.
  bool count(std::size_t c, AnnotationResult& out) {
    ++out.instances;
    if (unit_ == CountUnit::images) return true;
    ++counts_[c];
    return false;
  }
  void count_image(std::size_t c) { ++counts_[c]; }

  // Adds every nonzero count to out.histogram.
  void finish(AnnotationResult& out) const {
    for (std::size_t i = 0; i < counts_.size(); ++i)
      if (counts_[i]) out.histogram.add(out.histogram.declared[i], counts_[i]);
  }

 private:
  CountUnit unit_;
  std::map<int64_t, std::size_t> index_;
  std::vector<uint64_t> counts_;
};

}  // namespace dskit::inputs_detail
