// FileHasher's streaming calls (begin, update per chunk, finish) give the one-shot hash of the whole.
#include <doctest/doctest.h>

#include <string>

#include "dskit/hash/hash.h"

using namespace dskit;

TEST_CASE("hash: streaming in chunks equals the one-shot hash") {
  std::string data;
  for (int i = 0; i < 300000; ++i) data += char('a' + i * 7 % 26);
  for (const HashAlgo a : {HashAlgo::xxh3_128, HashAlgo::xxh3_64}) {
    std::string want;
    append_hash_hex(want, data, a);
    FileHasher h;
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{4096}, std::size_t{100000}}) {
      h.begin(a);
      for (std::size_t at = 0; at < data.size(); at += chunk)
        h.update(std::string_view(data).substr(at, chunk));
      std::string got;
      h.finish(got);
      CHECK(got == want);
    }
  }
}
