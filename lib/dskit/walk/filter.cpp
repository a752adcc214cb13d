#include "dskit/walk/filter.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "dskit/base/units.h"

namespace dskit {

std::optional<std::string> parse_size_filter(std::string_view text, SizeFilter& out) {
  SizeFilter f;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    f.cmp = text[0] == '+' ? SizeFilter::Cmp::ge : SizeFilter::Cmp::le;
    text.remove_prefix(1);
  }
  if (auto err = parse_bytes(text, f.bytes)) return "-S: " + *err;  // the message quotes the text
  out = f;
  return std::nullopt;
}

namespace {

// Seconds to nanoseconds, saturating instead of overflowing (dates past 2262 or before 1677).
int64_t secs_to_ns(int64_t s) {
  constexpr int64_t kMax = INT64_MAX / 1000000000;
  if (s > kMax) return INT64_MAX;
  if (s < -kMax) return INT64_MIN;
  return s * 1000000000;
}

bool parse_digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<std::string> parse_time_spec(std::string_view text, int64_t now_ns, int64_t& out_ns) {
  const std::string orig(text);
  const std::string bad = "invalid time '" + orig +
                          "': use a date (2026-01-31, 2026-01-31T12:00:00Z), @UNIXSECONDS or a duration "
                          "ago (30s, 15min, 2h, 3d, 1w)";
  if (text.empty()) return bad;
  if (text[0] == '@') {
    int64_t s = 0;
    auto [p, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), s);
    if (ec != std::errc() || p != text.data() + text.size()) return bad;
    out_ns = secs_to_ns(s);
    return std::nullopt;
  }
  if (text.size() >= 10 && text[4] == '-' && text[7] == '-') {
    struct tm tm {};
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!parse_digits(text.substr(0, 4), y) || !parse_digits(text.substr(5, 2), mo) ||
        !parse_digits(text.substr(8, 2), d))
      return bad;
    std::string_view rest = text.substr(10);
    if (!rest.empty()) {
      if (rest.back() == 'Z') rest.remove_suffix(1);
      if (rest.size() != 9 || (rest[0] != 'T' && rest[0] != ' ') || rest[3] != ':' || rest[6] != ':' ||
          !parse_digits(rest.substr(1, 2), h) || !parse_digits(rest.substr(4, 2), mi) ||
          !parse_digits(rest.substr(7, 2), s))
        return bad;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    out_ns = secs_to_ns(static_cast<int64_t>(timegm(&tm)));
    return std::nullopt;
  }
  int64_t ago = 0;
  if (auto err = parse_duration(text, ago); err && ago != INT64_MAX) return bad;
  out_ns = ago == INT64_MAX ? INT64_MIN : now_ns - ago;  // older than 292 years: before every date
  return std::nullopt;
}

std::optional<std::string> Regex::compile(const std::string& pattern, std::unique_ptr<Regex>& out) {
  std::unique_ptr<Regex> r(new Regex());
  const int rc = regcomp(&r->re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char msg[256];
    regerror(rc, &r->re_, msg, sizeof msg);
    return "invalid regex '" + pattern + "': " + msg;
  }
  r->compiled_ = true;
  out = std::move(r);
  return std::nullopt;
}

Regex::~Regex() {
  if (compiled_) regfree(&re_);
}

bool Regex::search(std::string_view text) const {
  const std::string s(text);  // regexec needs a NUL-terminated string
  return regexec(&re_, s.c_str(), 0, nullptr, 0) == 0;
}

bool EntryFilter::prune(std::string_view rel, std::string_view name) const {
  if (no_hidden && !name.empty() && name[0] == '.') return true;
  if (excludes.empty()) return false;
  const std::string n(name), r(rel);
  for (const auto& g : excludes) {
    const bool has_slash = g.find('/') != std::string::npos;
    if (fnmatch(g.c_str(), has_slash ? r.c_str() : n.c_str(), has_slash ? FNM_PATHNAME : 0) == 0) return true;
  }
  return false;
}

bool EntryFilter::match(const Entry& e) const {
  if (e.depth < min_depth) return false;
  if (!types.empty() && std::find(types.begin(), types.end(), e.type) == types.end()) return false;
  if (!names.empty()) {
    const std::string n(e.name);
    bool any = false;
    for (const auto& g : names) any = any || fnmatch(g.c_str(), n.c_str(), 0) == 0;
    if (!any) return false;
  }
  if (regex && !regex->search(e.rel)) return false;
  if (!sizes.empty()) {
    if (e.type != FileType::file || !e.has_stat) return false;
    for (const auto& s : sizes) {
      const bool ok = s.cmp == SizeFilter::Cmp::eq   ? e.st.size == s.bytes
                      : s.cmp == SizeFilter::Cmp::ge ? e.st.size >= s.bytes
                                                     : e.st.size <= s.bytes;
      if (!ok) return false;
    }
  }
  if (newer_ns && (!e.has_stat || e.st.mtime_ns <= *newer_ns)) return false;
  if (older_ns && (!e.has_stat || e.st.mtime_ns >= *older_ns)) return false;
  return true;
}

}  // namespace dskit
