// libFuzzer target: dsbalance's CSV input (a header row naming the id and label columns).
#include <cstddef>
#include <cstdint>

#include "dskit/balance/inputs/input.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const dskit::fuzz::MemFile file(data, size);
  dskit::LabelHistogram h;
  (void)dskit::csv_histogram(file.path(), {}, h);
  return 0;
}
