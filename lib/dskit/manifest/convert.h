// Other views of a manifest: JSON Lines, NUL-separated paths (for xargs -0), and a checksum file that
// `cd ROOT && xxhsum -c FILE` accepts.
#pragma once

#include <cstdint>
#include <string>

#include "dskit/manifest/manifest.h"

namespace dskit {

// One JSON object per entry; every column is a member (size, mtime_ns and ino as numbers, the rest as
// strings). A path or label that is not valid UTF-8 gets an extra "<column>_b64" member with its exact bytes.
void to_jsonl(const Manifest& m, std::string& out);

// Each path followed by a NUL: absolute (root + path) or, with `relative`, as stored, unescaped.
void to_paths0(const Manifest& m, bool relative, std::string& out);

// xxhsum's own format: `HEX  PATH` for XXH3-128 (as `xxhsum -H2` prints) and `XXH3 (PATH) = HEX` for
// XXH3-64 (as `xxhsum -H3` prints). xxhsum 0.8 has no escaping, so entries whose path holds a newline or
// carriage return cannot be written; they are left out and counted in `skipped`. Entries with an empty
// hash are left out too.
void to_xxhsum(const Manifest& m, std::string& out, uint64_t& skipped);

}  // namespace dskit
