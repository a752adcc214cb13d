// dsbalance's YOLO input: a directory with data.yaml (or data.yml) whose `names` is a list or a map
// {id: name}, and label files labels/**/*.txt whose lines start with a class id.
#pragma once

#include <optional>
#include <string>

#include "dskit/balance/inputs/input.h"

namespace dskit {

// DIR/data.yaml or DIR/data.yml when one exists.
std::optional<std::string> yolo_data_yaml(const std::string& dir);

// Detection (see InputFormat): a directory holding data.yaml or data.yml (by content), a regular file whose
// name ends in ".yaml" or ".yml" (by name).
int yolo_detect(const std::string& path, const InputProbe& probe);

// PATH is the dataset directory or its data.yaml. Every label file is one image; an empty one (no object
// lines) is a background image, counted in out.unannotated. An image file under images/ (Ultralytics'
// suffixes) whose label file labels/<same relative path>.txt does not exist is a background image too,
// counted in out.images, out.unannotated and out.no_label_file. Lines whose class id is not in names are
// counted in out.unknown and warned about. Errors: unreadable files, a YAML syntax error (file:line:column),
// no `names`, no labels/ directory.
std::optional<std::string> yolo_histogram(const std::string& path, const AnnotationOptions& o,
                                          AnnotationResult& out);

}  // namespace dskit
