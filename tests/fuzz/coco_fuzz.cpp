// libFuzzer target: dsbalance's COCO instances JSON reader, read whole and in small chunks (the path that
// bounds memory on big files). Property: when both reads accept the file they count the same.
#include <cstddef>
#include <cstdint>

#include "dskit/balance/inputs/coco.h"
#include "dskit/balance/inputs/input.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const dskit::fuzz::MemFile file(data, size);
  dskit::AnnotationOptions whole_opts;
  dskit::AnnotationResult whole;
  const auto whole_err = dskit::coco_histogram(file.path(), whole_opts, whole);

  dskit::AnnotationOptions chunk_opts;
  chunk_opts.json_chunk = 64;  // files of 256 bytes and more take the chunked path
  chunk_opts.unit = dskit::CountUnit::images;
  chunk_opts.crowd = false;
  dskit::AnnotationResult chunked;
  const auto chunk_err = dskit::coco_histogram(file.path(), chunk_opts, chunked);

  dskit::AnnotationOptions chunk_same = whole_opts;
  chunk_same.json_chunk = 64;
  dskit::AnnotationResult same;
  const auto same_err = dskit::coco_histogram(file.path(), chunk_same, same);
  if (!whole_err && !same_err) {
    dskit::fuzz::check(whole.histogram.raw == same.histogram.raw, "chunked and whole reads count the same");
    dskit::fuzz::check(whole.instances == same.instances && whole.images == same.images &&
                           whole.unannotated == same.unannotated && whole.unknown == same.unknown,
                       "chunked and whole reads agree on the totals");
  }
  (void)chunk_err;
  return 0;
}
