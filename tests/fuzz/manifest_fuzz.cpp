// libFuzzer target: the manifest reader (load_manifest from a file, as every tool reads one) and the field
// escapes. Properties: an accepted manifest serializes to text that loads again and serializes to the same
// bytes; every cell of an accepted manifest is a well-formed escaped field; escape_field/unescape_field
// round-trip any bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dskit/manifest/manifest.h"
#include "fuzz_support.h"

namespace {

using dskit::fuzz::check;

void exercise(const dskit::Manifest& m) {
  std::string scratch;
  for (std::size_t r = 0; r < m.size(); ++r) {
    for (std::size_t c = 0; c < m.num_columns(); ++c) {
      const std::string_view cell = m.cell(r, c);
      check(dskit::valid_escaped_field(cell), "a loaded cell is a valid escaped field");
      check(dskit::unescape_field(cell, scratch), "a loaded cell unescapes");
    }
    (void)m.abs_path(r);
    (void)m.file_size(r);
    (void)m.mtime_ns(r);
    (void)m.ino(r);
    (void)m.label(r);
  }
}

// Checks an accepted manifest; a refused one (`err` set) needs nothing more than the clean error it got.
void round_trip(const std::optional<dskit::ManifestError>& err, const dskit::Manifest& m,
                const dskit::LoadOptions& opts) {
  if (err) return;
  exercise(m);
  std::string text;
  dskit::serialize_manifest(m, text);
  dskit::Manifest again;
  check(!dskit::parse_manifest(text, "round-trip", opts, again), "a serialized manifest loads again");
  std::string text2;
  dskit::serialize_manifest(again, text2);
  check(text == text2, "serialize(load(serialize(m))) == serialize(m)");
  again.sort_by_path();
  for (std::size_t r = 0; r < again.size(); ++r)
    check(again.find_sorted(again.path_escaped(r)) >= 0, "find_sorted finds every path after sort_by_path");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  // As the tools read a manifest: from a file, by path.
  const dskit::fuzz::MemFile file(data, size);
  dskit::Manifest m;
  round_trip(dskit::load_manifest(file.path(), {}, m), m, {});
  // The same text with paths outside the root allowed (parsed from memory: the reading is done above).
  dskit::LoadOptions outside;
  outside.allow_outside_root = true;
  dskit::Manifest m2;
  const std::string text(reinterpret_cast<const char*>(data), size);
  round_trip(dskit::parse_manifest(text, "fuzz", outside, m2), m2, outside);

  // The escapes on their own: any bytes survive escape + unescape, and the escaped form is valid.
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const std::string escaped = dskit::escape_field(raw);
  check(dskit::valid_escaped_field(escaped), "escape_field gives a valid field");
  std::string back;
  check(dskit::unescape_field(escaped, back) && back == raw, "unescape(escape(x)) == x");
  // The input taken as an escaped cell: decoding never reads out of bounds, and a valid cell decodes.
  if (dskit::valid_escaped_field(raw)) check(dskit::unescape_field(raw, back), "a valid field decodes");
  (void)dskit::escapes_root(raw);
  return 0;
}
