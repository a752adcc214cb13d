// libFuzzer target: dsbalance's Pascal VOC input, one XML annotation file in DIR/Annotations/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dskit/balance/inputs/input.h"
#include "dskit/balance/inputs/voc.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const dskit::fuzz::ScratchDir dir;
  dir.clear();
  dir.write("Annotations/a.xml", std::string_view(reinterpret_cast<const char*>(data), size));
  for (const bool difficult : {false, true}) {
    dskit::AnnotationOptions o;
    o.include_difficult = difficult;
    o.unit = difficult ? dskit::CountUnit::images : dskit::CountUnit::instances;
    dskit::AnnotationResult r;
    (void)dskit::voc_histogram(dir.path(), o, r);
  }
  return 0;
}
