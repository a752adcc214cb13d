// The JSON writer's doubles: one place that decides how a double looks in every tool's JSON.
#include "dskit/base/json.h"

#include <fmt/format.h>

#include <iterator>

namespace dskit {

JsonWriter& JsonWriter::bytes_field(std::string_view k, std::string_view s) {
  key(k).value(s);
  if (is_valid_utf8(s)) return *this;
  sep();
  append_json_string(out_, std::string(k) + "_b64");
  out_.append(":\"");
  append_base64(out_, s);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  sep();
  fmt::format_to(std::back_inserter(out_), "{}", v);
  return *this;
}

JsonWriter& JsonWriter::fixed(double v, int decimals) {
  sep();
  fmt::format_to(std::back_inserter(out_), "{:.{}f}", v, decimals);
  return *this;
}

JsonWriter& JsonWriter::general(double v, int digits) {
  sep();
  fmt::format_to(std::back_inserter(out_), "{:.{}g}", v, digits);
  return *this;
}

}  // namespace dskit
