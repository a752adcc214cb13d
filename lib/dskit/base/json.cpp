// The JSON writer's doubles: one place that decides how a double looks in every tool's JSON.
#include "dskit/base/json.h"

#include <fmt/format.h>

#include <iterator>

namespace dskit {

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
