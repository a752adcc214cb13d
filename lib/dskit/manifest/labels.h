// Labels for manifest entries, derived from the relative path (ImageFolder convention, a directory level,
// a regular expression's first capture group) or looked up in a CSV file of id,label rows.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dskit {

struct LabelOptions {
  enum class Mode { folder, depth, regex, csv, none } mode = Mode::folder;
  int depth = 1;         // depth: the label is the N-th directory of the path (folder is depth 1)
  std::string regex;     // regex: POSIX ERE searched in the relative path; capture group 1 is the label
  std::string csv_file;  // csv: "id,label" rows, id = relative path; a first row "id,label" is a header
};

// The manifest metadata value that records the options ("folder", "depth:2", "regex:RE", "csv:FILE", "none")
// and its inverse, so that `update` labels new files the way `build` did.
std::string label_spec(const LabelOptions& o);
std::optional<LabelOptions> parse_label_spec(std::string_view spec);

class Labeler {
 public:
  // Compiles the regex or reads the CSV file; returns an error message on failure.
  static std::optional<std::string> create(const LabelOptions& o, std::unique_ptr<Labeler>& out);
  ~Labeler();
  // The label of a file at the raw (unescaped) relative path; empty when it has none. Thread-safe.
  std::string label(std::string_view rel) const;
  bool enabled() const { return opts_.mode != LabelOptions::Mode::none; }

 private:
  Labeler() = default;
  LabelOptions opts_;
  struct Re;
  std::unique_ptr<Re> re_;
  std::unordered_map<std::string, std::string> table_;
};

// Splits one CSV record (RFC 4180: quoted fields, "" inside quotes) starting at `pos` in `text`; advances
// `pos` past its line end. Returns false at end of text or for an unterminated quote.
bool next_csv_record(std::string_view text, std::size_t& pos, std::vector<std::string>& fields);

}  // namespace dskit
