// libjpeg with an error manager that turns warnings into errors (see jpeg_decode.h). libjpeg reports errors
// by calling error_exit, which must not return: it longjmps back to the guarded call. Only frames without
// destructors lie between the setjmp and the libjpeg call (the guarded lambdas capture references only).
#include "dskit/image/jpeg_decode.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
// clang-format on

#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/cv_source.h"

namespace dskit::image {

namespace {

struct StrictErrors {
  jpeg_error_mgr mgr;  // first member: libjpeg's err pointer is this struct's address
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void strict_error_exit(j_common_ptr c) {
  auto* e = reinterpret_cast<StrictErrors*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// msg_level -1 is a warning (corrupt data libjpeg would work around): an error here. Trace messages (0 and
// up) are ignored; nothing is printed.
void strict_emit_message(j_common_ptr c, int msg_level) {
  if (msg_level < 0) strict_error_exit(c);
}

void silent_output_message(j_common_ptr) {}

class Decompressor {
 public:
  Decompressor() {
    std::memset(&err_, 0, sizeof err_);
    cinfo_.err = jpeg_std_error(&err_.mgr);
    err_.mgr.error_exit = strict_error_exit;
    err_.mgr.emit_message = strict_emit_message;
    err_.mgr.output_message = silent_output_message;
    created_ = guarded([&] { jpeg_create_decompress(&cinfo_); });
  }
  ~Decompressor() {
    if (created_) jpeg_destroy_decompress(&cinfo_);
  }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Runs `f` (libjpeg calls only); false when libjpeg reported an error or a warning (message()).
  template <class F>
  bool guarded(F&& f) {
    if (setjmp(err_.jump) != 0) return false;
    f();
    return true;
  }
  bool created() const { return created_; }
  jpeg_decompress_struct& cinfo() { return cinfo_; }
  std::string message() const { return err_.message; }

 private:
  StrictErrors err_;
  jpeg_decompress_struct cinfo_{};
  bool created_ = false;
};

uint32_t read16(const unsigned char* p, bool le) {
  return le ? uint32_t(p[0]) | uint32_t(p[1]) << 8 : uint32_t(p[0]) << 8 | p[1];
}
uint32_t read32(const unsigned char* p, bool le) {
  return le ? read16(p, true) | read16(p + 2, true) << 16 : read16(p, false) << 16 | read16(p + 2, false);
}

// The EXIF orientation (tag 0x0112 of IFD0) in a saved APP1 marker, or 1 (none, or unreadable).
int exif_orientation(const jpeg_saved_marker_ptr markers) {
  for (jpeg_saved_marker_ptr m = markers; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 || std::memcmp(m->data, "Exif\0\0", 6) != 0)
      continue;
    const unsigned char* t = m->data + 6;
    const std::size_t n = m->data_length - 6;
    const bool le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M')) continue;
    const uint32_t ifd = read32(t + 4, le);
    if (ifd > n || n - ifd < 2) continue;
    const uint32_t count = read16(t + ifd, le);
    for (uint32_t k = 0; k < count; ++k) {
      const std::size_t at = std::size_t(ifd) + 2 + std::size_t(k) * 12;
      if (at + 12 > n) break;
      if (read16(t + at, le) == 0x0112) return int(read16(t + at + 8, le));
    }
  }
  return 1;
}

}  // namespace

std::optional<std::string> decode_jpeg_strict(std::span<const unsigned char> bytes, int flags,
                                              uint64_t max_pixels, cv::Mat& out, bool& checked_only) {
  out.release();
  checked_only = false;
  Decompressor d;
  auto fail = [&] { return "corrupt data (libjpeg: " + d.message() + ")"; };
  if (!d.created()) return fail();
  jpeg_decompress_struct& ci = d.cinfo();
  if (!d.guarded([&] {
        jpeg_mem_src(&ci, bytes.data(), static_cast<unsigned long>(bytes.size()));
        jpeg_save_markers(&ci, JPEG_APP0 + 1, 0xFFFF);
        jpeg_read_header(&ci, TRUE);
      }))
    return fail();
  if (uint64_t(ci.image_width) * ci.image_height > max_pixels)
    return over_budget_message(ci.image_width, ci.image_height, max_pixels);
  // Decoded here exactly when OpenCV would do no more than libjpeg's colour conversion.
  const bool gray = flags == cv::IMREAD_GRAYSCALE;
  const bool direct =
      (flags == cv::IMREAD_COLOR || gray) && ci.num_components != 4 && exif_orientation(ci.marker_list) == 1;
  if (direct) {
    ci.out_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
  } else if (ci.num_components == 4) {
    ci.out_color_space = JCS_CMYK;
  }
  if (!d.guarded([&] { jpeg_start_decompress(&ci); })) return fail();
  const int channels = ci.output_components;
  std::vector<unsigned char> row;
  if (direct) {
    out.create(int(ci.output_height), int(ci.output_width), CV_8UC(channels));
  } else {
    row.resize(std::size_t(ci.output_width) * std::size_t(channels));
  }
  const bool ok = d.guarded([&] {
    while (ci.output_scanline < ci.output_height) {
      JSAMPROW r = direct ? out.ptr<JSAMPLE>(int(ci.output_scanline)) : row.data();
      jpeg_read_scanlines(&ci, &r, 1);
    }
    jpeg_finish_decompress(&ci);
  });
  if (!ok) {
    out.release();
    return fail();
  }
  checked_only = !direct;
  return std::nullopt;
}

}  // namespace dskit::image
