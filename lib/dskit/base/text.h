// Small text encoders shared by every tool's output: timestamps, numbers, JSON strings, base64.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dskit {

// ISO-8601 UTC with second precision: 2026-11-25T17:25:57Z.
void append_iso8601(std::string& out, int64_t time_ns);
void append_uint(std::string& out, uint64_t v);
void append_int(std::string& out, int64_t v);

bool is_valid_utf8(std::string_view s);
// Length of the valid UTF-8 sequence that starts at s[i] (1 for ASCII), or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// A JSON string literal with quotes. Bytes that are not valid UTF-8 become U+FFFD; callers that must keep
// the exact bytes also write the base64 form (see append_base64).
void append_json_string(std::string& out, std::string_view s);
void append_base64(std::string& out, std::string_view bytes);

}  // namespace dskit
