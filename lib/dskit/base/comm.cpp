#include "dskit/base/comm.h"

namespace dskit {

void WireWriter::u64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  buf_.append(b, 8);
}

void WireWriter::str(std::string_view s) {
  u64(s.size());
  buf_.append(s);
}

uint64_t WireReader::u64() {
  if (b_.size() - pos_ < 8) {
    failed_ = true;
    pos_ = b_.size();
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(b_[pos_ + i])} << (8 * i);
  pos_ += 8;
  return v;
}

std::string_view WireReader::str() {
  const uint64_t n = u64();
  if (failed_ || b_.size() - pos_ < n) {
    failed_ = true;
    pos_ = b_.size();
    return {};
  }
  std::string_view s = b_.substr(pos_, n);
  pos_ += n;
  return s;
}

}  // namespace dskit
