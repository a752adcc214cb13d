// dsbalance's COCO input: an instances JSON file (images, annotations, categories), parsed with simdjson's
// On Demand API. Classes are the categories sorted by id (ids need not be contiguous), named by `name`.
#pragma once

#include <optional>
#include <string>

#include "dskit/balance/inputs/input.h"

namespace dskit {

// Counts the annotations per category (or, with CountUnit::images, the images holding the category).
// Annotations with iscrowd set are counted unless o.crowd is off; annotations whose category_id is not in
// categories are counted in out.unknown and warned about, never fatal. Images listed in `images` without
// any annotation are out.unannotated. Errors name the file and, for broken JSON, the byte offset, line and
// column.
// Detection (see InputFormat): a regular file whose name ends in ".json".
int coco_detect(const std::string& path, const InputProbe& probe);

std::optional<std::string> coco_histogram(const std::string& file, const AnnotationOptions& o,
                                          AnnotationResult& out);

}  // namespace dskit
