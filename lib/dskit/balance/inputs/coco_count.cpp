// The COCO reader's counting: the histogram by category (instances or images), unknown categories and
// unannotated images, from what the parse collected.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dskit/balance/inputs/coco_parts.h"
#include "dskit/balance/inputs/declared_classes.h"

namespace dskit::coco_detail {

namespace {

// Image ids below this use a table indexed by id (4 bytes per id) to find the unannotated images.
constexpr int64_t kDenseIds = int64_t{1} << 26;

}  // namespace

void count_collected(const std::string& file, const AnnotationOptions& o, Collected& c,
                     AnnotationResult& out) {
  std::vector<int64_t>& images = c.images;
  const std::vector<Ann>& anns = c.anns;
  const std::map<int64_t, std::string>& categories = c.categories;

  inputs_detail::DeclaredClasses classes(categories, o.unit, out);
  std::map<int64_t, uint64_t> unknown;
  std::vector<std::pair<int64_t, std::size_t>> per_image;  // (image, class) for CountUnit::images
  for (const auto& a : anns) {
    if (a.category == kSkippedCrowd) continue;
    const auto cls = classes.find(a.category);
    if (!cls) {
      ++unknown[a.category];
      ++out.unknown;
      continue;
    }
    if (classes.count(*cls, out)) per_image.emplace_back(a.image, *cls);
  }
  if (o.unit == CountUnit::images) {
    std::sort(per_image.begin(), per_image.end());
    per_image.erase(std::unique(per_image.begin(), per_image.end()), per_image.end());
    for (const auto& p : per_image) classes.count_image(p.second);
  }
  classes.finish(out);
  for (const auto& [id, n] : unknown)
    out.warnings.push_back(file + ": " + std::to_string(n) + " annotation(s) with category_id " +
                           (id == kNoCategory ? std::string("missing") : std::to_string(id)) +
                           ", not in categories (not counted)");

  // Unannotated images: listed images that no annotation refers to.
  std::sort(images.begin(), images.end());
  images.erase(std::unique(images.begin(), images.end()), images.end());
  out.images = images.size();
  std::vector<char> annotated(images.size(), 0);
  if (!images.empty() && images.front() >= 0 && images.back() < kDenseIds) {
    // Small non-negative ids (the usual case): a table indexed by id.
    std::vector<uint32_t> slot(static_cast<std::size_t>(images.back()) + 1, UINT32_MAX);
    for (std::size_t i = 0; i < images.size(); ++i)
      slot[static_cast<std::size_t>(images[i])] = static_cast<uint32_t>(i);
    for (const auto& a : anns)
      if (a.image >= 0 && a.image <= images.back() && slot[static_cast<std::size_t>(a.image)] != UINT32_MAX)
        annotated[slot[static_cast<std::size_t>(a.image)]] = 1;
  } else {
    for (const auto& a : anns) {
      const auto it = std::lower_bound(images.begin(), images.end(), a.image);
      if (it != images.end() && *it == a.image) annotated[static_cast<std::size_t>(it - images.begin())] = 1;
    }
  }
  out.unannotated = static_cast<uint64_t>(std::count(annotated.begin(), annotated.end(), 0));
}

}  // namespace dskit::coco_detail
