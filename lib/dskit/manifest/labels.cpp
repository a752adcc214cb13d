#include "dskit/manifest/labels.h"

#include <regex.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace dskit {

std::string label_spec(const LabelOptions& o) {
  switch (o.mode) {
    case LabelOptions::Mode::folder:
      return "folder";
    case LabelOptions::Mode::depth:
      return "depth:" + std::to_string(o.depth);
    case LabelOptions::Mode::regex:
      return "regex:" + o.regex;
    case LabelOptions::Mode::csv:
      return "csv:" + o.csv_file;
    case LabelOptions::Mode::none:
      break;
  }
  return "none";
}

std::optional<LabelOptions> parse_label_spec(std::string_view s) {
  LabelOptions o;
  if (s == "folder") return o;
  if (s == "none") {
    o.mode = LabelOptions::Mode::none;
    return o;
  }
  if (s.substr(0, 6) == "depth:") {
    o.mode = LabelOptions::Mode::depth;
    try {
      o.depth = std::stoi(std::string(s.substr(6)));
    } catch (...) {
      return std::nullopt;
    }
    if (o.depth < 1) return std::nullopt;
    return o;
  }
  if (s.substr(0, 6) == "regex:") {
    o.mode = LabelOptions::Mode::regex;
    o.regex = s.substr(6);
    return o;
  }
  if (s.substr(0, 4) == "csv:") {
    o.mode = LabelOptions::Mode::csv;
    o.csv_file = s.substr(4);
    return o;
  }
  return std::nullopt;
}

struct Labeler::Re {
  regex_t re{};
  ~Re() { regfree(&re); }
};

Labeler::~Labeler() = default;

bool next_csv_record(std::string_view t, std::size_t& pos, std::vector<std::string>& fields) {
  fields.clear();
  if (pos >= t.size()) return false;
  std::string cur;
  bool quoted = false;
  while (pos < t.size()) {
    const char c = t[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < t.size() && t[pos + 1] == '"') {
          cur += '"';
          pos += 2;
          continue;
        }
        quoted = false;
        ++pos;
        continue;
      }
      cur += c;
      ++pos;
      continue;
    }
    if (c == '"') {
      quoted = true;
      ++pos;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
      ++pos;
    } else if (c == '\n' || c == '\r') {
      ++pos;
      if (c == '\r' && pos < t.size() && t[pos] == '\n') ++pos;
      break;
    } else {
      cur += c;
      ++pos;
    }
  }
  if (quoted) return false;
  fields.push_back(std::move(cur));
  return true;
}

std::optional<std::string> Labeler::create(const LabelOptions& o, std::unique_ptr<Labeler>& out) {
  std::unique_ptr<Labeler> l(new Labeler());
  l->opts_ = o;
  if (o.mode == LabelOptions::Mode::depth && o.depth < 1) return "--label-depth takes a depth of 1 or more";
  if (o.mode == LabelOptions::Mode::regex) {
    l->re_ = std::make_unique<Re>();
    const int rc = regcomp(&l->re_->re, o.regex.c_str(), REG_EXTENDED);
    if (rc != 0) {
      char msg[256];
      regerror(rc, &l->re_->re, msg, sizeof msg);
      return "invalid --label-regex '" + o.regex + "': " + msg;
    }
    if (l->re_->re.re_nsub < 1) return "--label-regex '" + o.regex + "' has no capture group";
  }
  if (o.mode == LabelOptions::Mode::csv) {
    std::ifstream in(o.csv_file, std::ios::binary);
    if (!in) return "cannot read labels file " + o.csv_file;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::size_t pos = 0;
    std::vector<std::string> f;
    uint64_t line = 0;
    while (pos < text.size()) {
      ++line;
      if (!next_csv_record(text, pos, f))
        return o.csv_file + ":" + std::to_string(line) + ": unterminated quote";
      if (f.size() == 1 && f[0].empty()) continue;
      if (f.size() < 2) return o.csv_file + ":" + std::to_string(line) + ": expected id,label";
      if (line == 1 && (f[0] == "id" || f[0] == "path") && f[1] == "label") continue;
      l->table_[f[0]] = f[1];
    }
  }
  out = std::move(l);
  return std::nullopt;
}

std::string Labeler::label(std::string_view rel) const {
  switch (opts_.mode) {
    case LabelOptions::Mode::none:
      return {};
    case LabelOptions::Mode::folder:
    case LabelOptions::Mode::depth: {
      const int want = opts_.mode == LabelOptions::Mode::folder ? 1 : opts_.depth;
      std::size_t start = 0;
      for (int d = 1;; ++d) {
        const std::size_t slash = rel.find('/', start);
        if (slash == std::string_view::npos) return {};  // the file name itself is never a label
        if (d == want) return std::string(rel.substr(start, slash - start));
        start = slash + 1;
      }
    }
    case LabelOptions::Mode::regex: {
      const std::string s(rel);
      regmatch_t m[2];
      if (regexec(&re_->re, s.c_str(), 2, m, 0) != 0 || m[1].rm_so < 0) return {};
      return s.substr(static_cast<std::size_t>(m[1].rm_so),
                      static_cast<std::size_t>(m[1].rm_eo - m[1].rm_so));
    }
    case LabelOptions::Mode::csv: {
      auto it = table_.find(std::string(rel));
      return it == table_.end() ? std::string{} : it->second;
    }
  }
  return {};
}

}  // namespace dskit
