// libFuzzer target: dsbalance's YOLO input, a directory with data.yaml and label files. The input is
// "data.yaml \n--8<--\n labels/a.txt \n--8<--\n labels/sub/b.txt"; images/c.jpg has no label file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dskit/balance/inputs/input.h"
#include "dskit/balance/inputs/yolo.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const dskit::fuzz::ScratchDir dir;
  dir.clear();
  const auto parts = dskit::fuzz::split_parts(data, size, "\n--8<--\n", 3);
  dir.write("data.yaml", parts[0]);
  dir.write("labels/a.txt", parts.size() > 1 ? parts[1] : "");
  if (parts.size() > 2) dir.write("labels/sub/b.txt", parts[2]);
  dir.write("images/c.jpg", "");
  for (const auto unit : {dskit::CountUnit::instances, dskit::CountUnit::images}) {
    dskit::AnnotationOptions o;
    o.unit = unit;
    dskit::AnnotationResult r;
    (void)dskit::yolo_histogram(dir.path(), o, r);
  }
  return 0;
}
