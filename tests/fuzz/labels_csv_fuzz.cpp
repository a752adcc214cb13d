// libFuzzer target: the labels CSV reader (dsmanifest build --labels csv:FILE, through Labeler) and its
// record splitter. Properties: the splitter always advances and stops; a CSV the Labeler accepts answers
// every lookup.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/manifest/labels.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  std::size_t pos = 0, records = 0;
  while (true) {
    const std::size_t before = pos;
    if (!dskit::next_csv_record(text, pos, fields)) break;
    dskit::fuzz::check(pos > before && pos <= text.size() + 1, "next_csv_record advances within the text");
    ++records;
  }
  dskit::fuzz::check(records <= size, "no more records than bytes");

  const dskit::fuzz::MemFile file(data, size);
  dskit::LabelOptions o;
  o.mode = dskit::LabelOptions::Mode::csv;
  o.csv_file = file.path();
  std::unique_ptr<dskit::Labeler> labeler;
  if (dskit::Labeler::create(o, labeler)) return 0;  // refused with a message
  dskit::fuzz::check(labeler != nullptr, "an accepted CSV gives a Labeler");
  // Look up the first field of the first records (the ids) and a few fixed names.
  pos = 0;
  for (int i = 0; i < 8 && dskit::next_csv_record(text, pos, fields); ++i)
    if (!fields.empty()) (void)labeler->label(fields[0]);
  for (const char* id : {"", "a", "a/b.jpg", "id"}) (void)labeler->label(id);
  return 0;
}
