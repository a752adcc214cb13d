// The bounded tar reader of reader.h.
#include "dskit/tar/reader.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string_view>

namespace dskit::tar {

namespace {

using Block = std::array<unsigned char, 512>;

// A ustar numeric field: octal digits after optional spaces, ended by a space, NUL or the field's end; or
// GNU base-256 (first byte 0x80, positive values only). Nullopt when malformed or over 2^63.
std::optional<uint64_t> parse_number(const unsigned char* f, std::size_t len) {
  if (f[0] == 0x80) {
    uint64_t v = 0;
    for (std::size_t i = 1; i < len; ++i) {
      if (v >> 55) return std::nullopt;
      v = (v << 8) | f[i];
    }
    return v >> 63 ? std::nullopt : std::optional<uint64_t>(v);
  }
  std::size_t i = 0;
  while (i < len && f[i] == ' ') ++i;
  uint64_t v = 0;
  bool digits = false;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + (f[i] - '0');
    digits = true;
  }
  for (; i < len; ++i)
    if (f[i] != ' ' && f[i] != '\0') return std::nullopt;
  if (!digits) return uint64_t{0};
  return v;
}

std::string_view field(const Block& b, std::size_t off, std::size_t len) {
  const char* p = reinterpret_cast<const char*>(b.data()) + off;
  return {p, strnlen(p, len)};
}

bool zero(const Block& b) {
  return std::all_of(b.begin(), b.end(), [](unsigned char c) { return c == 0; });
}

bool checksum_ok(const Block& b, uint64_t stored) {
  int64_t u = 0, s = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const bool ck = i >= 148 && i < 156;
    u += ck ? ' ' : b[i];
    s += ck ? ' ' : static_cast<signed char>(b[i]);
  }
  return uint64_t(u) == stored || (s >= 0 && uint64_t(s) == stored);
}

// Decimal digits, whole string; nullopt when empty, malformed or over 2^63.
std::optional<uint64_t> decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits fit 64 bits
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return v >> 63 ? std::nullopt : std::optional<uint64_t>(v);
}

struct Pax {
  std::optional<std::string> path;
  std::optional<uint64_t> size;
  std::optional<int64_t> mtime;
};

// Parses pax records "LEN key=value\n"; an error message when malformed.
std::optional<std::string> parse_pax(std::string_view d, Pax& pax) {
  while (!d.empty()) {
    if (d.find_first_not_of('\0') == std::string_view::npos) break;  // trailing NUL padding
    const auto sp = d.find(' ');
    if (sp == std::string_view::npos) return "pax record without a length";
    const auto len = decimal(d.substr(0, sp));
    if (!len || *len <= sp + 1 || *len > d.size()) return "pax record length out of range";
    const std::string_view rec = d.substr(sp + 1, *len - sp - 1);
    if (rec.back() != '\n') return "pax record not ended by a newline";
    const auto eq = rec.find('=');
    if (eq == std::string_view::npos) return "pax record without '='";
    const std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1, rec.size() - eq - 2);
    if (key == "path") {
      if (value.size() > kMaxName) return "pax path longer than the name cap";
      if (value.find('\0') != std::string_view::npos) return "pax path with a NUL byte";
      pax.path = std::string(value);
    } else if (key == "size") {
      pax.size = decimal(value);
      if (!pax.size) return "pax size not a decimal number";
    } else if (key == "mtime") {
      std::string_view v = value;
      bool neg = false;
      if (!v.empty() && v[0] == '-') neg = true, v.remove_prefix(1);
      const auto dot = v.find('.');
      const auto secs = decimal(v.substr(0, dot));
      if (!secs) return "pax mtime not a number";
      pax.mtime = neg ? -int64_t(*secs) : int64_t(*secs);
    }
    d.remove_prefix(*len);
  }
  return std::nullopt;
}

}  // namespace

Reader Reader::over_fd(int fd, uint64_t size) {
  return Reader(fd, {}, size);
}

Reader Reader::over_memory(std::span<const unsigned char> bytes) {
  return Reader(-1, bytes, bytes.size());
}

bool Reader::fail(uint64_t offset, std::string what) {
  error_ = TarError{offset, std::move(what)};
  done_ = true;
  return false;
}

std::optional<TarError> Reader::read(uint64_t offset, std::span<unsigned char> out) const {
  if (offset > size_ || out.size() > size_ - offset)
    return TarError{offset, "read beyond the end of the archive"};
  if (out.empty()) return std::nullopt;  // (memcpy from or to a null pointer is undefined even for 0 bytes)
  if (fd_ < 0) {
    std::memcpy(out.data(), mem_.data() + offset, out.size());
    return std::nullopt;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return TarError{offset + done, std::string("read failed (") + std::strerror(errno) + ")"};
    if (n == 0) return TarError{offset + done, "archive shorter than its size (truncated while read)"};
    done += std::size_t(n);
  }
  return std::nullopt;
}

bool Reader::next(Member& m) {
  if (done_) return false;
  Pax pax;
  std::optional<std::string> long_name;
  uint64_t first = pos_;
  bool extended = false;
  std::string ext;
  for (;;) {
    if (pos_ == size_) {
      // The end of the file on a header boundary, without an end marker; a pending extended header has
      // no member to apply to.
      if (extended) return fail(first, "extended header without a member after it");
      done_ = true;
      return false;
    }
    if (size_ - pos_ < kBlock) return fail(pos_, "truncated header (the archive ends inside it)");
    Block b;
    if (auto e = read(pos_, b)) return fail(e->offset, e->what);
    if (zero(b)) {
      if (extended) return fail(pos_, "extended header without a member after it");
      end_marker_ = true;
      done_ = true;
      return false;
    }
    const auto stored = parse_number(b.data() + 148, 8);
    if (!stored || !checksum_ok(b, *stored)) return fail(pos_, "bad header checksum (not a tar header)");
    auto size = parse_number(b.data() + 124, 12);
    if (!size) return fail(pos_, "bad size field");
    const auto mtime = parse_number(b.data() + 136, 12);
    if (!mtime) return fail(pos_, "bad mtime field");
    const char type = b[156] == '\0' ? '0' : char(b[156]);
    const uint64_t data = pos_ + kBlock;
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
      if (*size > kMaxExtended) return fail(pos_, "extended header larger than the cap");
      if (*size > size_ - data) return fail(pos_, "extended header beyond the end of the archive");
      if (type == 'x' || type == 'L') {
        ext.resize(std::size_t(*size));
        if (auto e = read(data, {reinterpret_cast<unsigned char*>(ext.data()), ext.size()}))
          return fail(e->offset, e->what);
        if (type == 'x') {
          if (auto msg = parse_pax(ext, pax)) return fail(pos_, *msg);
        } else {
          std::string n(ext.data(), strnlen(ext.data(), ext.size()));
          if (n.size() > kMaxName) return fail(pos_, "GNU long name longer than the name cap");
          long_name = std::move(n);
        }
      }
      extended = true;
      pos_ = data + *size + padding(*size);
      continue;
    }
    if (pax.size) size = pax.size;
    if (*size > size_ - data) return fail(first, "member data beyond the end of the archive");
    // Only regular files carry data in the archive (hard links, symlinks, directories, devices do not;
    // GNU tar's sparse and contiguous files do).
    const bool has_data = type == '0' || type == '7' || type == 'S' || (type >= 'A' && type <= 'Z');
    m.type = type;
    m.size = has_data ? *size : 0;
    m.header_offset = first;
    m.data_offset = data;
    m.mtime = pax.mtime ? *pax.mtime : int64_t(*mtime);
    if (pax.path) {
      m.name = *pax.path;
    } else if (long_name) {
      m.name = *long_name;
    } else {
      const std::string_view name = field(b, 0, 100);
      const std::string_view magic = field(b, 257, 6);
      const std::string_view prefix = magic == "ustar" ? field(b, 345, 155) : std::string_view{};
      m.name = prefix.empty() ? std::string(name) : std::string(prefix) + "/" + std::string(name);
    }
    if (m.name.empty()) return fail(first, "member with an empty name");
    pos_ = m.end_offset();
    if (pos_ > size_) pos_ = size_;  // the last member's padding may be cut; the next call ends there
    return true;
  }
}

}  // namespace dskit::tar
