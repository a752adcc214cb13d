#include "dskit/base/text.h"

#include <doctest/doctest.h>

using namespace dskit;

TEST_CASE("iso8601 formats UTC seconds") {
  std::string s;
  append_iso8601(s, 0);
  CHECK(s == "1970-01-01T00:00:00Z");
  s.clear();
  append_iso8601(s, 1795628053210483384);  // 2026-11-25T17:34:13.21Z
  CHECK(s == "2026-11-25T17:34:13Z");
  s.clear();
  append_iso8601(s, -1);  // just before the epoch rounds down
  CHECK(s == "1969-12-31T23:59:59Z");
}

TEST_CASE("json strings escape controls and replace invalid UTF-8") {
  std::string s;
  append_json_string(s, "a\"b\\c\nd\te\x01");
  CHECK(s == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  s.clear();
  append_json_string(s, "caf\xC3\xA9");
  CHECK(s == "\"caf\xC3\xA9\"");
  s.clear();
  append_json_string(s, "bad\xFFname");
  CHECK(s == "\"bad\xEF\xBF\xBDname\"");
}

TEST_CASE("utf8 validity") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xE2\x82\xAC"));            // euro sign
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("base64 matches RFC 4648 test vectors") {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    std::string s;
    append_base64(s, in[i]);
    CHECK(s == out[i]);
  }
}

TEST_CASE("numbers") {
  std::string s;
  append_uint(s, 18446744073709551615ull);
  s.push_back(' ');
  append_int(s, -42);
  CHECK(s == "18446744073709551615 -42");
}
