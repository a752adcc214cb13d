#include "dskit/balance_coco.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

// The On Demand code compiled here is simdjson's "builtin" implementation (the best one the compile flags
// allow); stage 1 and string unescaping run through the library's runtime-dispatched kernel.
#define DSKIT_STRINGIFY_(x) #x
#define DSKIT_STRINGIFY(x) DSKIT_STRINGIFY_(x)

namespace dskit {

namespace {

namespace od = simdjson::ondemand;

// Image ids are numbers or strings; strings are interned into ids with bit 62 set.
class IdKeys {
 public:
  int64_t key(od::value v) {
    if (v.type() == od::json_type::string) {
      const std::string_view s = v.get_string();
      const auto it = strings_.find(std::string(s));
      if (it != strings_.end()) return it->second;
      const int64_t k = (int64_t{1} << 62) | static_cast<int64_t>(strings_.size());
      strings_.emplace(std::string(s), k);
      return k;
    }
    return v.get_int64();
  }

 private:
  std::unordered_map<std::string, int64_t> strings_;
};

bool truthy(od::value v) {
  switch (v.type()) {
    case od::json_type::boolean:
      return v.get_bool();
    case od::json_type::number:
      return v.get_double() != 0;
    default:
      return false;
  }
}

// Image ids below this use a table indexed by id (4 bytes per id) to find the unannotated images.
constexpr int64_t kDenseIds = int64_t{1} << 26;

struct Ann {
  int64_t image;
  int64_t category;
};

// The file mapped read-only with at least SIMDJSON_PADDING readable bytes after it: the file's pages
// (populated from the page cache at once, not copied), then anonymous zero pages.
class MappedJson {
 public:
  ~MappedJson() {
    if (base_) ::munmap(base_, capacity_);
  }
  // An error message, or nullopt.
  std::optional<std::string> map(const std::string& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return file + ": " + std::strerror(errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      const std::string why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
      ::close(fd);
      return file + ": " + why;
    }
    size_ = static_cast<std::size_t>(st.st_size);
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    capacity_ = (size_ + simdjson::SIMDJSON_PADDING + page - 1) / page * page;
    void* base = ::mmap(nullptr, capacity_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      ::close(fd);
      return file + ": " + std::strerror(errno);
    }
    base_ = base;
    if (size_ > 0 &&
        ::mmap(base, size_, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED) {
      const int e = errno;
      ::close(fd);
      return file + ": " + std::strerror(e);
    }
    ::close(fd);
    return std::nullopt;
  }
  simdjson::padded_string_view view() const {
    return simdjson::padded_string_view(static_cast<const char*>(base_), size_, capacity_);
  }
  std::string_view text() const { return {static_cast<const char*>(base_), size_}; }

 private:
  void* base_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

std::string position(std::string_view json, std::size_t offset) {
  offset = std::min(offset, json.size());
  uint64_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (json.data()[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "byte offset " + std::to_string(offset) + " (line " + std::to_string(line) + ", column " +
         std::to_string(col) + ")";
}

// Where stage 1 (simdjson's structural scan, before any value is read) failed: the offset of an unclosed
// string's opening quote, or the end of the input for a truncated document.
std::string stage1_where(std::string_view json, simdjson::error_code err) {
  if (err == simdjson::UNCLOSED_STRING) {
    std::size_t open = 0;
    bool in = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
      const char c = json.data()[i];
      if (in && c == '\\') {
        ++i;
      } else if (c == '"') {
        in = !in;
        if (in) open = i;
      }
    }
    return position(json, open);
  }
  return position(json, json.size());
}

// What the parse collects before counting.
struct Collected {
  std::vector<int64_t> images;
  std::vector<Ann> anns;
  std::map<int64_t, std::string> categories;
  IdKeys keys;
  bool saw_categories = false;
  bool category_without_id = false;
  uint64_t crowd = 0, skipped = 0;
};

void read_annotation(od::object a, const AnnotationOptions& o, Collected& c) {
  Ann ann{-1, 0};
  bool has_cat = false, crowd = false;
  for (auto f : a) {
    const std::string_view fk = f.unescaped_key();
    if (fk == "category_id") {
      ann.category = f.value().get_int64();
      has_cat = true;
    } else if (fk == "image_id") {
      ann.image = c.keys.key(f.value());
    } else if (fk == "iscrowd") {
      crowd = truthy(f.value());
    }
  }
  if (!has_cat) ann.category = INT64_MIN;
  if (crowd) {
    ++c.crowd;
    if (!o.crowd) {
      ++c.skipped;
      ann.category = INT64_MIN + 1;  // marks the image annotated, counted nowhere
    }
  }
  c.anns.push_back(ann);
}

// The top-level object's images, annotations and categories; throws simdjson_error. When `cut` is set,
// `cut_seen` tells whether the top-level annotations array starts there.
void read_top(od::document& doc, const AnnotationOptions& o, Collected& c, const char* cut, bool& cut_seen) {
  od::object top = doc.get_object();
  for (auto field : top) {
    const std::string_view k = field.unescaped_key();
    if (k == "images") {
      for (od::object img : field.value().get_array()) {
        for (auto f : img)
          if (f.unescaped_key().value() == "id") c.images.push_back(c.keys.key(f.value()));
      }
    } else if (k == "annotations") {
      od::value v = field.value();
      if (cut && v.raw_json_token().data() == cut) cut_seen = true;
      for (od::object a : v.get_array()) read_annotation(a, o, c);
    } else if (k == "categories") {
      c.saw_categories = true;
      for (od::object cat : field.value().get_array()) {
        int64_t id = 0;
        bool has_id = false;
        std::string name;
        for (auto f : cat) {
          const std::string_view fk = f.unescaped_key();
          if (fk == "id") {
            id = f.value().get_int64();
            has_id = true;
          } else if (fk == "name") {
            name = std::string(std::string_view(f.value().get_string()));
          }
        }
        if (!has_id) c.category_without_id = true;
        if (name.empty()) name = std::to_string(id);
        c.categories[id] = std::move(name);
      }
    }
  }
}

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

// Reads the top-level "annotations" array in chunks of about o.json_chunk bytes, each parsed as an array of
// its own, so that simdjson's structural index (4 bytes per JSON token) covers one chunk at a time rather
// than the whole file; then the rest of the document, the array emptied. False when the file does not have
// this shape or anything fails to parse (`c` is then to be thrown away): the caller parses the whole file,
// which also words the errors.
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

}  // namespace

std::optional<std::string> coco_histogram(const std::string& file, const AnnotationOptions& o,
                                          AnnotationResult& out) {
  const auto t0 = std::chrono::steady_clock::now();
  MappedJson mapped;
  if (auto err = mapped.map(file)) return err;
  const std::string_view json = mapped.text();
  const auto t1 = std::chrono::steady_clock::now();
  out.read_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.parser = std::string("simdjson " DSKIT_STRINGIFY(SIMDJSON_VERSION) ", ") +
               simdjson::get_active_implementation()->name() +
               " kernel (stage 1, strings; chosen at run time), On Demand iteration built for " +
               DSKIT_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);

  od::parser parser;
  Collected c;
  if (!read_chunked(json, o, parser, c, out.json_chunks)) {
    c = Collected{};
    out.json_chunks = 0;
    od::document doc;
    if (const auto err = parser.iterate(mapped.view()).get(doc)) {
      if (err == simdjson::EMPTY) return file + ": empty file (not a COCO instances JSON)";
      return file + ": invalid COCO JSON at " + stage1_where(json, err) + ": " + simdjson::error_message(err);
    }
    try {
      bool unused = false;
      read_top(doc, o, c, nullptr, unused);
    } catch (const simdjson::simdjson_error& e) {
      std::string where;
      const char* loc = nullptr;
      if (e.error() == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || e.error() == simdjson::UNCLOSED_STRING)
        where = stage1_where(json, e.error());
      else if (doc.current_location().get(loc) == simdjson::SUCCESS && loc)
        where = position(json, static_cast<std::size_t>(loc - json.data()));
      else
        where = "end of input";
      return file + ": invalid COCO JSON at " + where + ": " + e.what();
    }
  }
  if (c.category_without_id) return file + ": a category without an id";
  if (!c.saw_categories) return file + ": no \"categories\" array (not a COCO instances file)";
  out.crowd = c.crowd;
  out.skipped = c.skipped;
  std::vector<int64_t>& images = c.images;
  const std::vector<Ann>& anns = c.anns;
  const std::map<int64_t, std::string>& categories = c.categories;
  out.parse_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  // Classes in id order.
  std::map<int64_t, std::size_t> index;
  out.histogram.ordered = true;
  for (const auto& [id, name] : categories) {
    index.emplace(id, out.histogram.declared.size());
    out.histogram.declared.push_back(name);
  }
  std::vector<uint64_t> counts(out.histogram.declared.size(), 0);
  std::map<int64_t, uint64_t> unknown;
  std::vector<std::pair<int64_t, std::size_t>> per_image;  // (image, class) for CountUnit::images
  for (const auto& a : anns) {
    if (a.category == INT64_MIN + 1) continue;  // skipped crowd
    const auto it = index.find(a.category);
    if (it == index.end()) {
      ++unknown[a.category];
      ++out.unknown;
      continue;
    }
    ++out.instances;
    if (o.unit == CountUnit::instances)
      ++counts[it->second];
    else
      per_image.emplace_back(a.image, it->second);
  }
  if (o.unit == CountUnit::images) {
    std::sort(per_image.begin(), per_image.end());
    per_image.erase(std::unique(per_image.begin(), per_image.end()), per_image.end());
    for (const auto& p : per_image) ++counts[p.second];
  }
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i]) out.histogram.add(out.histogram.declared[i], counts[i]);
  for (const auto& [id, n] : unknown)
    out.warnings.push_back(file + ": " + std::to_string(n) + " annotation(s) with category_id " +
                           (id == INT64_MIN ? std::string("missing") : std::to_string(id)) +
                           ", not in categories (not counted)");

  // Unannotated images: listed images that no annotation refers to.
  std::sort(images.begin(), images.end());
  images.erase(std::unique(images.begin(), images.end()), images.end());
  out.images = images.size();
  std::vector<char> annotated(images.size(), 0);
  if (!images.empty() && images.front() >= 0 && images.back() < kDenseIds) {
    // Small non-negative ids (the usual case): a table indexed by id.
    std::vector<uint32_t> slot(static_cast<std::size_t>(images.back()) + 1, UINT32_MAX);
    for (std::size_t i = 0; i < images.size(); ++i)
      slot[static_cast<std::size_t>(images[i])] = static_cast<uint32_t>(i);
    for (const auto& a : anns)
      if (a.image >= 0 && a.image <= images.back() && slot[static_cast<std::size_t>(a.image)] != UINT32_MAX)
        annotated[slot[static_cast<std::size_t>(a.image)]] = 1;
  } else {
    for (const auto& a : anns) {
      const auto it = std::lower_bound(images.begin(), images.end(), a.image);
      if (it != images.end() && *it == a.image) annotated[static_cast<std::size_t>(it - images.begin())] = 1;
    }
  }
  out.unannotated = static_cast<uint64_t>(std::count(annotated.begin(), annotated.end(), 0));
  return std::nullopt;
}

}  // namespace dskit
