// The COCO reader's chunked parse: the top-level annotations array cut between objects into chunks parsed
// one at a time, then the rest of the document, so that the parser's index never covers the whole file.
#include <cstring>
#include <memory>
#include <string_view>

#include "dskit/balance/inputs/coco_parts.h"

namespace dskit::coco_detail {

namespace {

// A copy of a few pieces of text, followed by simdjson's padding; reused for every chunk.
class ChunkBuffer {
 public:
  void assign(std::string_view a, std::string_view b, std::string_view c) {
    len_ = a.size() + b.size() + c.size();
    if (cap_ < len_ + simdjson::SIMDJSON_PADDING) {
      cap_ = len_ + len_ / 4 + simdjson::SIMDJSON_PADDING;
      buf_ = std::make_unique<char[]>(cap_);
    }
    char* p = buf_.get();
    std::memcpy(p, a.data(), a.size());
    std::memcpy(p + a.size(), b.data(), b.size());
    std::memcpy(p + a.size() + b.size(), c.data(), c.size());
    std::memset(p + len_, 0, simdjson::SIMDJSON_PADDING);
  }
  simdjson::padded_string_view view() const { return simdjson::padded_string_view(buf_.get(), len_, cap_); }
  const char* data() const { return buf_.get(); }

 private:
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, len_ = 0;
};

bool is_space(char ch) {
  return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

// The comma between two objects of an array, at or after `from`: '}', whitespace, ',', whitespace, '{'.
// It may also be inside a nested array or a string: the chunk's parse then fails and rejects it.
std::size_t next_cut(std::string_view t, std::size_t from) {
  for (std::size_t p = t.find('}', from); p != std::string_view::npos; p = t.find('}', p + 1)) {
    std::size_t q = p + 1;
    while (q < t.size() && is_space(t[q])) ++q;
    if (q >= t.size() || t[q] != ',') continue;
    const std::size_t comma = q++;
    while (q < t.size() && is_space(t[q])) ++q;
    if (q < t.size() && t[q] == '{') return comma;
  }
  return std::string_view::npos;
}

}  // namespace

bool read_chunked(std::string_view text, const AnnotationOptions& o, od::parser& parser, Collected& c,
                  uint64_t& chunks) {
  const std::size_t chunk = o.json_chunk ? o.json_chunk : kJsonChunk;
  if (text.size() / 4 < chunk) return false;
  const std::size_t key = text.find("\"annotations\"");
  if (key == std::string_view::npos) return false;
  std::size_t open = key + 13;
  while (open < text.size() && is_space(text[open])) ++open;
  if (open >= text.size() || text[open] != ':') return false;
  ++open;
  while (open < text.size() && is_space(text[open])) ++open;
  if (open >= text.size() || text[open] != '[') return false;
  ChunkBuffer buf;
  std::size_t pos = open + 1, tail = std::string_view::npos;
  try {
    while (tail == std::string_view::npos) {
      ++chunks;
      // A middle chunk: whole objects up to a cut, and nothing after them. A cut inside a nested value
      // fails to parse: the next one is tried. When the array ends within the chunk, the rest is the last
      // chunk.
      std::size_t from = pos + chunk;
      bool whole = false;
      for (int tries = 0; tries < 16 && !whole && from < text.size(); ++tries) {
        const std::size_t cut = next_cut(text, from);
        if (cut == std::string_view::npos) break;
        const std::size_t n = c.anns.size();
        const uint64_t crowd = c.crowd, skipped = c.skipped;
        buf.assign("[", text.substr(pos, cut - pos), "]");
        bool ended_early = false;
        try {
          od::document d = parser.iterate(buf.view());
          for (od::object a : d.get_array()) read_annotation(a, o, c);
          const char* loc = nullptr;
          whole = d.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
          ended_early = !whole;
        } catch (const simdjson::simdjson_error&) {
          whole = false;
        }
        if (whole) {
          pos = cut + 1;
          break;
        }
        c.anns.resize(n);
        c.crowd = crowd;
        c.skipped = skipped;
        if (ended_early) break;
        from = cut + 1;
      }
      if (whole) continue;
      // The last chunk: the array's remaining objects up to its ']', then the rest of the document.
      buf.assign("[", text.substr(pos), "]");
      od::document d = parser.iterate(buf.view());
      for (od::object a : d.get_array()) read_annotation(a, o, c);
      const char* loc = nullptr;
      if (d.current_location().get(loc) || !loc) return false;
      tail = pos + static_cast<std::size_t>(loc - (buf.data() + 1));
      if (tail >= text.size()) return false;
    }
    // The document with the annotations array emptied: images, categories, other members.
    buf.assign(text.substr(0, open + 1), "]", text.substr(tail));
    od::document d = parser.iterate(buf.view());
    bool cut_seen = false;
    read_top(d, o, c, buf.data() + open, cut_seen);
    const char* loc = nullptr;
    return cut_seen && d.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
  } catch (const simdjson::simdjson_error&) {
    return false;
  }
}

}  // namespace dskit::coco_detail
