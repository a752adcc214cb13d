#include "dskit/manifest/convert.h"

#include "dskit/base/json.h"
#include "dskit/base/text.h"

namespace dskit {

namespace {

bool numeric_column(const Manifest& m, std::size_t c) {
  const int ci = static_cast<int>(c);
  return ci == m.size_col() || ci == m.mtime_col() || ci == m.ino_col();
}

}  // namespace

void to_jsonl(const Manifest& m, std::string& out) {
  const auto& names = m.column_names();
  std::string raw;
  for (std::size_t r = 0; r < m.size(); ++r) {
    JsonWriter w(out);
    w.object();
    for (std::size_t c = 0; c < names.size(); ++c) {
      const std::string_view v = m.cell(r, c);
      if (numeric_column(m, c) && !v.empty()) {
        w.key(names[c]).raw(v);
        continue;
      }
      if (!unescape_field(v, raw)) raw = std::string(v);
      w.bytes_field(names[c], raw);
    }
    w.end_object();
    out += '\n';
  }
}

void to_paths0(const Manifest& m, bool relative, std::string& out) {
  for (std::size_t r = 0; r < m.size(); ++r) {
    out += relative ? m.path(r) : m.abs_path(r);
    out += '\0';
  }
}

void to_xxhsum(const Manifest& m, std::string& out, uint64_t& skipped) {
  skipped = 0;
  if (m.hash_col() < 0) return;
  for (std::size_t r = 0; r < m.size(); ++r) {
    const std::string p = m.path(r);
    const std::string_view h = m.hash_hex(r);
    if (h.empty() || p.find_first_of("\n\r") != std::string::npos) {
      ++skipped;
      continue;
    }
    if (m.hash == HashAlgo::xxh3_64) {
      out += "XXH3 (";
      out += p;
      out += ") = ";
      out += h;
    } else {
      out += h;
      out += "  ";
      out += p;
    }
    out += '\n';
  }
}

}  // namespace dskit
