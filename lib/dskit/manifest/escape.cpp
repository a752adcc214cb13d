// The manifest format's field escapes, the outside-the-root rule on decoded paths, and error texts.
#include "dskit/manifest/manifest.h"

#include <cstring>
#include <string>
#include <string_view>

#include "dskit/base/text.h"

namespace dskit {

// ---- Escaping ---------------------------------------------------------------------------------------

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void append_escaped(std::string& out, std::string_view raw) {
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const std::size_t n = raw.size();
  std::size_t i = 0;
  while (i < n) {
    // Copy the run of bytes that need nothing.
    std::size_t j = i;
    while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '\\') ++j;
    out.append(raw.data() + i, j - i);
    i = j;
    if (i >= n) break;
    const unsigned c = p[i];
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(raw, i);
      if (len > 0) {
        out.append(raw.data() + i, len);
        i += len;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\x";
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 15]);
    }
    ++i;
  }
}

std::string escape_field(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  append_escaped(out, raw);
  return out;
}

bool unescape_field(std::string_view f, std::string& out) {
  out.clear();
  out.reserve(f.size());
  std::size_t i = 0;
  while (i < f.size()) {
    const std::size_t b = f.find('\\', i);
    if (b == std::string_view::npos) {
      out.append(f.substr(i));
      break;
    }
    out.append(f.substr(i, b - i));
    if (b + 1 >= f.size()) return false;
    switch (f[b + 1]) {
      case '\\':
        out.push_back('\\');
        i = b + 2;
        break;
      case 't':
        out.push_back('\t');
        i = b + 2;
        break;
      case 'n':
        out.push_back('\n');
        i = b + 2;
        break;
      case 'r':
        out.push_back('\r');
        i = b + 2;
        break;
      case 'x': {
        if (b + 3 >= f.size()) return false;
        const int hi = hex_value(f[b + 2]), lo = hex_value(f[b + 3]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i = b + 4;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string unescape_field(std::string_view field) {
  std::string out;
  if (field.find('\\') == std::string_view::npos) return std::string(field);
  if (!unescape_field(field, out)) return std::string(field);
  return out;
}

bool valid_escaped_field(std::string_view f) {
  // The common cell has no backslash; then only a raw separator could make it invalid.
  if (std::memchr(f.data(), '\\', f.size()) == nullptr)
    return std::memchr(f.data(), '\t', f.size()) == nullptr &&
           std::memchr(f.data(), '\n', f.size()) == nullptr &&
           std::memchr(f.data(), '\r', f.size()) == nullptr;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if (c == '\t' || c == '\n' || c == '\r') return false;
    if (c != '\\') continue;
    if (i + 1 >= f.size()) return false;
    const char e = f[i + 1];
    if (e == '\\' || e == 't' || e == 'n' || e == 'r') {
      ++i;
    } else if (e == 'x') {
      if (i + 3 >= f.size() || hex_value(f[i + 2]) < 0 || hex_value(f[i + 3]) < 0) return false;
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

bool escapes_root(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return true;
  if (rel.find("..") == std::string_view::npos) return false;
  std::size_t i = 0;
  while (i <= rel.size()) {
    std::size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    if (rel.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

std::string describe(const ManifestError& e) {
  std::string s = e.file.empty() ? std::string("-") : e.file;
  if (e.line > 0) {
    s += ':';
    append_uint(s, e.line);
  }
  s += ": ";
  s += e.message;
  return s;
}

}  // namespace dskit
