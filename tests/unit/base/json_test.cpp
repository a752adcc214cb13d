// The JSON writer (base/json.h): commas, nesting, escaping, and the exact text of each kind of number.
#include "dskit/base/json.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

using namespace dskit;

TEST_CASE("json writer: objects, arrays and commas") {
  std::string s;
  JsonWriter w(s);
  w.object().field("a", 1).key("b").array().value(1).value("x").object().end_object().array().end_array();
  w.end_array().key("c").object().field("d", true).field("e", false).key("f").null().end_object();
  w.end_object();
  CHECK(s == R"({"a":1,"b":[1,"x",{},[]],"c":{"d":true,"e":false,"f":null}})");

  std::string t;
  JsonWriter(t).array().end_array();
  CHECK(t == "[]");
  std::string u;
  JsonWriter lines(u);
  lines.value(1);
  CHECK(u == "1");
}

TEST_CASE("json writer: continuing an object opened elsewhere") {
  std::string s = "{\"x\":0";
  JsonWriter(s, true).field("y", 1).field("z", "w");
  s += '}';
  CHECK(s == R"({"x":0,"y":1,"z":"w"})");
  std::string t = "{";
  JsonWriter(t).field("y", 1);
  CHECK(t == R"({"y":1)");
}

TEST_CASE("json writer: strings and keys are escaped, invalid UTF-8 replaced") {
  std::string s;
  JsonWriter(s)
      .object()
      .field("q\"k", std::string("a\"b\\c\n\t\x01"))
      .field("u",
             "\xff"
             "é")
      .end_object();
  CHECK(s ==
        "{\"q\\\"k\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"u\":\"\xEF\xBF\xBD"
        "é\"}");
  std::string t;
  JsonWriter(t).array().plain_string("2026-01-01T00:00:00Z").string_from([](std::string& o) {
    append_base64(o, "\xff");
  });
  CHECK(t == R"(["2026-01-01T00:00:00Z","/w==")");
}

TEST_CASE("json writer: integers of every width and sign") {
  std::string s;
  JsonWriter w(s);
  w.array().value(uint64_t{UINT64_MAX}).value(int64_t{INT64_MIN}).value(-1).value(0u).value(uint8_t{200});
  w.value(int16_t{-7}).end_array();
  CHECK(s == "[18446744073709551615,-9223372036854775808,-1,0,200,-7]");
}

TEST_CASE("json writer: doubles, shortest, fixed and general, as the reports print them") {
  std::string s;
  JsonWriter w(s);
  w.array().value(0.1).value(13.0).value(0.6000000000000001).value(0.0).value(1e21).value(-2.5);
  w.fixed(0.65, 6).fixed(2.5000004, 6).fixed(498998.5, 1).fixed(0.0, 1);
  w.general(0.17647058823529413, 8).general(2.1176470588235294, 8).general(0.0, 8).general(1e-7, 8);
  w.end_array();
  CHECK(
      s ==
      "[0.1,13,0.6000000000000001,0,1e+21,-2.5,0.650000,2.500000,498998.5,0.0,0.17647059,2.1176471,0,1e-07]");
}

TEST_CASE("json writer: bytes_field adds the exact bytes in base64 when they are not UTF-8") {
  std::string s;
  JsonWriter(s).object().bytes_field("path", "a/é").bytes_field("old", "a\xff").end_object();
  CHECK(s == "{\"path\":\"a/é\",\"old\":\"a\xEF\xBF\xBD\",\"old_b64\":\"Yf8=\"}");
}
