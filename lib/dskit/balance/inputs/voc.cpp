#include "dskit/balance/inputs/voc.h"

#include <dirent.h>
#include <sys/stat.h>
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

namespace dskit {

namespace {

bool ends_with_xml(std::string_view n) {
  return n.size() > 4 && n.substr(n.size() - 4) == ".xml";
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

bool voc_has_annotations_dir(const std::string& dir) {
  DIR* d = ::opendir((dir + "/Annotations").c_str());
  if (!d) return false;
  bool found = false;
  while (const dirent* de = ::readdir(d))
    if (ends_with_xml(de->d_name)) {
      found = true;
      break;
    }
  ::closedir(d);
  return found;
}

int voc_detect(const std::string& path, const InputProbe& probe) {
  return S_ISDIR(probe.st.st_mode) && voc_has_annotations_dir(path) ? 2 : 0;
}

std::optional<std::string> voc_histogram(const std::string& path, const AnnotationOptions& o,
                                         AnnotationResult& out) {
  std::vector<std::string> files;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    const std::string root = voc_has_annotations_dir(path) ? path + "/Annotations" : path;
    for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      if (ends_with_xml(it->path().filename().string()) && it->is_regular_file())
        files.push_back(it->path().string());
    if (ec) return root + ": " + ec.message();
    if (files.empty()) return path + ": no .xml annotation files";
  }
  std::sort(files.begin(), files.end());

  std::map<std::string, uint64_t> counts;
  uint64_t unnamed = 0;
  std::string first_unnamed;
  for (const auto& f : files) {
    pugi::xml_document doc;
    const pugi::xml_parse_result r = doc.load_file(f.c_str());
    if (!r) {
      if (r.status == pugi::status_file_not_found || r.status == pugi::status_io_error)
        return f + ": cannot read the file";
      return f + ": invalid XML at byte offset " + std::to_string(r.offset) + ": " + r.description();
    }
    pugi::xml_node ann = doc.child("annotation");
    if (!ann) ann = doc.document_element();
    ++out.images;
    std::set<std::string> present;
    bool any = false;
    for (const pugi::xml_node obj : ann.children("object")) {
      any = true;
      if (obj.child("difficult").text().as_bool() && !o.include_difficult) {
        ++out.skipped;
        continue;
      }
      const std::string name = trim(obj.child_value("name"));
      if (name.empty()) {
        if (unnamed++ == 0) first_unnamed = f;
        ++out.unknown;
        continue;
      }
      ++out.instances;
      if (o.unit == CountUnit::instances)
        ++counts[name];
      else
        present.insert(name);
    }
    for (const auto& n : present) ++counts[n];
    if (!any) ++out.unannotated;
  }
  for (const auto& [name, n] : counts) {
    out.histogram.declared.push_back(name);
    out.histogram.add(name, n);
  }
  if (unnamed)
    out.warnings.push_back(first_unnamed + ": " + std::to_string(unnamed) +
                           " object(s) without a <name> (not counted)");
  return std::nullopt;
}

}  // namespace dskit
