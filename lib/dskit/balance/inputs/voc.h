// dsbalance's Pascal VOC input: XML annotation files (Annotations/*.xml, or every *.xml below the given
// directory), one per image; each <object>'s <name> is one instance of that class.
#pragma once

#include <optional>
#include <string>

#include "dskit/balance/inputs/input.h"

namespace dskit {

// True when DIR/Annotations is a directory holding at least one .xml file.
bool voc_has_annotations_dir(const std::string& dir);

// Detection (see InputFormat): a directory holding Annotations/ with .xml files (by content).
int voc_detect(const std::string& path, const InputProbe& probe);

// Objects marked <difficult>1</difficult> are skipped (out.skipped) unless o.include_difficult. A file
// without objects is an unannotated image; an object without a name is counted in out.unknown. Errors name
// the file and, for broken XML, the byte offset.
std::optional<std::string> voc_histogram(const std::string& path, const AnnotationOptions& o,
                                         AnnotationResult& out);

}  // namespace dskit
