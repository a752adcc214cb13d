// Writing a manifest: its text, and the file through base/fileio.
#include "dskit/manifest/manifest.h"

#include <string>

#include "dskit/base/fileio.h"
#include "dskit/base/text.h"

namespace dskit {

// ---- Writing ----------------------------------------------------------------------------------------

void serialize_manifest(const Manifest& m, std::string& out) {
  std::size_t bytes = 128;
  for (std::size_t c = 0; c < m.num_columns(); ++c)
    for (std::size_t r = 0; r < m.size(); ++r) bytes += m.cell(r, c).size() + 1;
  out.reserve(out.size() + bytes);
  out += "#dskit-manifest v1\troot=";
  append_escaped(out, m.root);
  out += "\thash=";
  out += hash_name(m.hash);
  for (const auto& [k, v] : m.extra_meta) {
    out += '\t';
    out += k;
    out += '=';
    out += v;
  }
  out += '\n';
  const auto& names = m.column_names();
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (c) out += '\t';
    out += names[c];
  }
  out += '\n';
  const std::size_t nc = names.size();
  for (std::size_t r = 0; r < m.size(); ++r) {
    for (std::size_t c = 0; c < nc; ++c) {
      if (c) out += '\t';
      out += m.cell(r, c);
    }
    out += '\n';
  }
}

std::optional<PathError> write_manifest(const Manifest& m, const std::string& file) {
  std::string text;
  serialize_manifest(m, text);
  return write_file_atomic(file, text, {.durability = Durability::fsync});
}

}  // namespace dskit
