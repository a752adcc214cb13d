// The ustar/pax member writer of writer.h.
#include "dskit/tar/writer.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace dskit::tar {

namespace {

// The largest value a ustar octal field of `len` bytes (len-1 digits and a NUL) holds.
constexpr uint64_t octal_max(std::size_t len) {
  return (uint64_t{1} << (3 * (len - 1))) - 1;
}

void put_octal(char* field, std::size_t len, uint64_t v) {
  // len-1 octal digits, zero-padded, then NUL.
  for (std::size_t i = len - 1; i-- > 0;) {
    field[i] = char('0' + (v & 7));
    v >>= 3;
  }
  field[len - 1] = '\0';
}

void append_block(std::string& out, std::string_view name, std::string_view prefix, uint64_t size,
                  uint64_t mtime_s, char type) {
  char h[kBlock] = {};
  std::memcpy(h, name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(h + 100, 8, 0644);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, size);
  put_octal(h + 136, 12, mtime_s);
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  if (!prefix.empty()) std::memcpy(h + 345, prefix.data(), std::min<std::size_t>(prefix.size(), 155));
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put_octal(h + 148, 7, sum);  // six digits and a NUL, then the space already there
  out.append(h, sizeof h);
}

// One pax record "LEN key=value\n", LEN counting its own digits.
void append_record(std::string& out, std::string_view key, std::string_view value) {
  const std::size_t body = key.size() + value.size() + 3;  // ' ', '=' and '\n'
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  out += std::to_string(len);
  out += ' ';
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

bool ascii(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

bool append_header(std::string& out, std::string_view name, uint64_t size, int64_t mtime_s) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return false;
  std::string_view prefix, base = name;
  bool pax_path = !ascii(name);
  if (!pax_path && name.size() > 100) {
    const auto slash = name.rfind('/', 155);
    if (slash != std::string_view::npos && name.size() - slash - 1 <= 100 && slash > 0) {
      prefix = name.substr(0, slash);
      base = name.substr(slash + 1);
    } else {
      pax_path = true;
    }
  }
  const bool pax_size = size > octal_max(12);
  const bool pax_mtime = mtime_s < 0 || uint64_t(mtime_s) > octal_max(12);
  if (pax_path || pax_size || pax_mtime) {
    // A pax extended header carries what ustar cannot (POSIX.1-2001); the ustar header keeps the name's
    // first 100 bytes, and zero for a size or mtime out of its range, for readers that do not read pax.
    std::string rec;
    if (pax_path) append_record(rec, "path", name);
    if (pax_size) append_record(rec, "size", std::to_string(size));
    if (pax_mtime) append_record(rec, "mtime", std::to_string(mtime_s));
    append_block(out, "PaxHeaders/" + std::string(name.substr(0, 89)), {}, rec.size(), 0, 'x');
    out += rec;
    out.append(padding(rec.size()), '\0');
    if (pax_path) base = name.substr(0, 100);
  }
  append_block(out, base, prefix, pax_size ? 0 : size, pax_mtime ? 0 : uint64_t(mtime_s), '0');
  return true;
}

bool append_member(std::string& out, std::string_view name, std::span<const unsigned char> data,
                   int64_t mtime_s) {
  if (!append_header(out, name, data.size(), mtime_s)) return false;
  out.append(reinterpret_cast<const char*>(data.data()), data.size());
  out.append(padding(data.size()), '\0');
  return true;
}

void append_end(std::string& out) {
  out.append(kEndSize, '\0');
}

}  // namespace dskit::tar
