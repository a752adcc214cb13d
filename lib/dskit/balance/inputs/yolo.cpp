#include "dskit/balance/inputs/yolo.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "dskit/balance/inputs/declared_classes.h"

namespace dskit {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string yaml_error(const std::string& file, const YAML::Exception& e) {
  if (e.mark.is_null()) return file + ": " + e.msg;
  return file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
         e.msg;
}

// A class id token: an integer, or a number with an integral value ("3.0").
std::optional<int64_t> class_id(std::string_view tok) {
  int64_t v = 0;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (r.ec == std::errc() && r.ptr == tok.data() + tok.size()) return v;
  double d = 0;
  auto rd = std::from_chars(tok.data(), tok.data() + tok.size(), d);
  if (rd.ec == std::errc() && rd.ptr == tok.data() + tok.size() && std::floor(d) == d && std::fabs(d) < 1e15)
    return static_cast<int64_t>(d);
  return std::nullopt;
}

// Ultralytics' image suffixes (IMG_FORMATS), compared without case.
bool is_image_name(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* e : {"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"})
    if (ext == e) return true;
  return false;
}

}  // namespace

std::optional<std::string> yolo_data_yaml(const std::string& dir) {
  for (const char* n : {"/data.yaml", "/data.yml"}) {
    struct stat st {};
    const std::string p = dir + n;
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return p;
  }
  return std::nullopt;
}

int yolo_detect(const std::string& path, const InputProbe& probe) {
  if (S_ISDIR(probe.st.st_mode)) return yolo_data_yaml(path) ? 2 : 0;
  const std::string_view p = path;
  const auto ends = [&](std::string_view suffix) {
    return p.size() > suffix.size() && p.substr(p.size() - suffix.size()) == suffix;
  };
  return S_ISREG(probe.st.st_mode) && (ends(".yaml") || ends(".yml")) ? 1 : 0;
}

std::optional<std::string> yolo_histogram(const std::string& path, const AnnotationOptions& o,
                                          AnnotationResult& out) {
  std::string root = path, yaml;
  if (is_dir(path)) {
    auto y = yolo_data_yaml(path);
    if (!y) return path + ": no data.yaml or data.yml (not a YOLO dataset)";
    yaml = *y;
  } else {
    yaml = path;
    root = std::filesystem::path(path).parent_path().string();
    if (root.empty()) root = ".";
  }

  // Class names: a list (id = position) or a map {id: name}.
  std::map<int64_t, std::string> names;
  try {
    const YAML::Node doc = YAML::LoadFile(yaml);
    const YAML::Node n = doc.IsMap() ? doc["names"] : YAML::Node();
    if (!n || n.IsNull()) return yaml + ": no 'names' list or map";
    if (n.IsSequence()) {
      for (std::size_t i = 0; i < n.size(); ++i) names[static_cast<int64_t>(i)] = n[i].as<std::string>();
    } else if (n.IsMap()) {
      for (const auto& kv : n) names[kv.first.as<int64_t>()] = kv.second.as<std::string>();
    } else {
      return yaml + ":" + std::to_string(n.Mark().line + 1) + ": 'names' must be a list or a map";
    }
  } catch (const YAML::BadFile&) {
    return yaml + ": cannot read the file";
  } catch (const YAML::Exception& e) {
    return yaml_error(yaml, e);
  }

  inputs_detail::DeclaredClasses classes(names, o.unit, out);

  const std::string labels = root + "/labels";
  if (!is_dir(labels)) return root + ": no labels/ directory";
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(labels, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".txt" && it->is_regular_file()) files.push_back(it->path().string());
  if (ec) return labels + ": " + ec.message();
  std::sort(files.begin(), files.end());

  std::map<std::string, std::pair<uint64_t, std::string>> unknown;  // token -> (lines, first file)
  std::vector<char> present(names.size(), 0);
  // Images under images/ whose label file (the same relative path under labels/, extension .txt, as
  // Ultralytics maps them) does not exist: background images too.
  const std::string images = root + "/images";
  if (is_dir(images)) {
    for (std::filesystem::recursive_directory_iterator it(images, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (!is_image_name(it->path().filename().string()) || it->is_directory()) continue;
      std::filesystem::path label = std::filesystem::path(labels) / it->path().lexically_relative(images);
      label.replace_extension(".txt");
      if (!std::binary_search(files.begin(), files.end(), label.string())) ++out.no_label_file;
    }
    if (ec) return images + ": " + ec.message();
    out.images += out.no_label_file;
    out.unannotated += out.no_label_file;
  }

  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return f + ": cannot read the file";
    ++out.images;
    std::fill(present.begin(), present.end(), 0);
    bool any = false;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string tok;
      if (!(ls >> tok)) continue;
      any = true;
      const auto id = class_id(tok);
      const auto c = id ? classes.find(*id) : std::nullopt;
      if (!c) {
        auto& u = unknown[id ? std::to_string(*id) : tok];
        if (u.first++ == 0) u.second = f;
        ++out.unknown;
        continue;
      }
      if (classes.count(*c, out)) present[*c] = 1;
    }
    if (!any) ++out.unannotated;
    if (o.unit == CountUnit::images)
      for (std::size_t i = 0; i < present.size(); ++i)
        if (present[i]) classes.count_image(i);
  }
  classes.finish(out);
  for (const auto& [tok, u] : unknown)
    out.warnings.push_back(u.second + ": class id " + tok + " not in " + yaml + " names (" +
                           std::to_string(u.first) + " label line(s) not counted)");
  return std::nullopt;
}

}  // namespace dskit
