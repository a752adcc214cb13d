#include "name_cell.h"

#include "dskit/base/text.h"

namespace dsbalance {

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size(); ++w) {
    const std::size_t n = dskit::utf8_sequence_length(s, i);
    i += n ? n : 1;
  }
  return w;
}

std::string name_cell(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) return std::string(s) + std::string(width - display_width(s), ' ');
  std::string out;
  std::size_t i = 0;
  for (std::size_t w = 0; w + 1 < width && i < s.size(); ++w) {
    const std::size_t n = dskit::utf8_sequence_length(s, i);
    i += n ? n : 1;
  }
  out.assign(s.substr(0, i));
  return out + "\u2026";
}

}  // namespace dsbalance
