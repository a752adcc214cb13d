#include "dskit/balance/inputs/coco.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "dskit/balance/inputs/coco_parts.h"
#include "dskit/balance/inputs/file.h"

// The On Demand code compiled here is simdjson's "builtin" implementation (the best one the compile flags
// allow); stage 1 and string unescaping run through the library's runtime-dispatched kernel.
#define DSKIT_STRINGIFY_(x) #x
#define DSKIT_STRINGIFY(x) DSKIT_STRINGIFY_(x)

namespace dskit {

using namespace coco_detail;

namespace {

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

}  // namespace

int coco_detect(const std::string& path, const InputProbe& probe) {
  const std::string_view p = path;
  return S_ISREG(probe.st.st_mode) && p.size() > 5 && p.substr(p.size() - 5) == ".json" ? 1 : 0;
}

std::optional<std::string> coco_histogram(const std::string& file, const AnnotationOptions& o,
                                          AnnotationResult& out) {
  const auto t0 = std::chrono::steady_clock::now();
  // Read, not mapped: a mapped file truncated by another process while it is parsed would end the process
  // on SIGBUS; a read copy is a snapshot, and a file that changes while it is read is an error.
  std::string buffer;
  if (auto err = read_input_file(file, false, simdjson::SIMDJSON_PADDING, buffer)) return err;
  const std::size_t size = buffer.size() - simdjson::SIMDJSON_PADDING;
  const std::string_view json(buffer.data(), size);
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
    if (const auto err =
            parser.iterate(simdjson::padded_string_view(buffer.data(), size, buffer.size())).get(doc)) {
      if (err == simdjson::EMPTY) return file + ": empty file (not a COCO instances JSON)";
      if (err == simdjson::MEMALLOC) return file + ": out of memory (for the JSON parser's index)";
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
  if (c.duplicate_category)
    return file + ": category id " + std::to_string(*c.duplicate_category) +
           " is listed twice in \"categories\"";
  if (!c.saw_categories) return file + ": no \"categories\" array (not a COCO instances file)";
  out.crowd = c.crowd;
  out.skipped = c.skipped;
  out.parse_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  count_collected(file, o, c, out);
  return std::nullopt;
}

}  // namespace dskit
