// A small JSON writer that appends to a std::string: objects, arrays, keys, strings (escaped by
// append_json_string: invalid UTF-8 becomes U+FFFD), integers, doubles in three fixed formats, bools and
// null. It places the commas; it does not check nesting. Every tool's JSON goes through it, so that the
// bytes of one kind of value are written in one place.
//
//   JsonWriter w(out);
//   w.object().field("path", p).key("sizes").array().value(1).value(2).end_array().end_object();
//   // {"path":"...","sizes":[1,2]}
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "dskit/base/text.h"

namespace dskit {

class JsonWriter {
 public:
  // `continues`: `out` already ends inside an object or array with members, so the first thing written
  // gets a comma (for pieces that add fields to an object a caller opened). False: the first thing written
  // is the first value or member.
  explicit JsonWriter(std::string& out, bool continues = false) : out_(out), comma_(continues) {}

  JsonWriter& object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  // "k": — the next call writes the member's value.
  JsonWriter& key(std::string_view k) {
    sep();
    append_json_string(out_, k);
    out_.push_back(':');
    comma_ = false;
    return *this;
  }

  JsonWriter& value(std::string_view s) {
    sep();
    append_json_string(out_, s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  // Integers in decimal; bool as true/false.
  template <std::integral T>
  JsonWriter& value(T v) {
    sep();
    if constexpr (std::same_as<T, bool>)
      out_.append(v ? "true" : "false");
    else if constexpr (std::is_signed_v<T>)
      append_int(out_, v);
    else
      append_uint(out_, v);
    return *this;
  }
  // The shortest text that reads back as the same double (fmt's "{}": 0.1, 13, 0.6000000000000001).
  JsonWriter& value(double v);
  // Exactly `decimals` digits after the point (fmt's "{:.6f}": 0.650000).
  JsonWriter& fixed(double v, int decimals);
  // At most `digits` significant digits (fmt's "{:.8g}": 0.17647059, 2.1176471).
  JsonWriter& general(double v, int digits);
  JsonWriter& null() {
    sep();
    out_.append("null");
    return *this;
  }
  // A string whose bytes need no escaping (a date, base64, a type letter): written between quotes as is.
  JsonWriter& plain_string(std::string_view s) {
    sep();
    out_.push_back('"');
    out_.append(s);
    out_.push_back('"');
    return *this;
  }
  // A string whose text `fill(out)` appends (it must need no escaping), e.g. append_iso8601, append_base64.
  template <class F>
  JsonWriter& string_from(F&& fill) {
    sep();
    out_.push_back('"');
    fill(out_);
    out_.push_back('"');
    return *this;
  }
  // A value already written as JSON by someone else.
  JsonWriter& raw(std::string_view json) {
    sep();
    out_.append(json);
    return *this;
  }

  // "k":"s", and when `s` is not valid UTF-8 (the string then has U+FFFD in place of the bad bytes) also
  // "k_b64":"<base64 of s>" with the exact bytes (paths, manifest cells).
  JsonWriter& bytes_field(std::string_view k, std::string_view s);

  // key(k) then value(v).
  template <class T>
  JsonWriter& field(std::string_view k, T&& v) {
    key(k);
    return value(std::forward<T>(v));
  }

  std::string& out() { return out_; }

 private:
  void sep() {
    if (comma_) out_.push_back(',');
    comma_ = true;
  }
  JsonWriter& open(char c) {
    sep();
    out_.push_back(c);
    comma_ = false;
    return *this;
  }
  JsonWriter& close(char c) {
    out_.push_back(c);
    comma_ = true;
    return *this;
  }

  std::string& out_;
  bool comma_;
};

}  // namespace dskit
