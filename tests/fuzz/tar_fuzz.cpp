// libFuzzer target: the bounded tar reader (lib/dskit/tar, what dschip --resume reads shards with) over any
// bytes, from memory and through an fd. Properties: the members come in increasing header order, each one's
// data lies within the archive and reads back, names stay within kMaxName, and the fd reader sees exactly
// what the memory reader sees; an error stops the walk.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dskit/tar/reader.h"
#include "fuzz_support.h"

namespace {

using dskit::fuzz::check;

struct Seen {
  std::vector<std::string> names;
  std::vector<uint64_t> sizes, offsets;
  bool error = false;
};

Seen walk(dskit::tar::Reader r) {
  Seen s;
  dskit::tar::Member m;
  uint64_t last = 0;
  std::vector<unsigned char> buf;
  while (r.next(m)) {
    check(s.offsets.empty() || m.header_offset >= last, "members come in increasing order");
    check(m.data_offset >= m.header_offset + 512, "data follows its header");
    check(m.data_offset <= r.size() && m.size <= r.size() - m.data_offset, "data lies within the archive");
    check(m.name.size() <= dskit::tar::kMaxName, "a name within kMaxName");
    buf.resize(static_cast<std::size_t>(std::min<uint64_t>(m.size, 4096)));
    check(!r.read(m.data_offset, buf), "a member's data reads back");
    last = m.end_offset();
    s.names.push_back(m.name);
    s.sizes.push_back(m.size);
    s.offsets.push_back(m.data_offset);
  }
  s.error = r.error().has_value();
  check(!r.next(m), "nothing after the end or an error");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Seen mem = walk(dskit::tar::Reader::over_memory(std::span<const unsigned char>(data, size)));
  const dskit::fuzz::MemFile file(data, size);
  const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  check(fd >= 0, "open the memfd");
  const Seen fdr = walk(dskit::tar::Reader::over_fd(fd, size));
  ::close(fd);
  check(mem.names == fdr.names && mem.sizes == fdr.sizes && mem.offsets == fdr.offsets &&
            mem.error == fdr.error,
        "the fd reader sees what the memory reader sees");
  return 0;
}
