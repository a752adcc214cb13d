// XXH3 compiled for AVX2 (about twice the speed of the distribution's SSE2 libxxhash), used by hash.cpp
// when the CPU has AVX2. Internal to the hash module.
#pragma once

#include <cstddef>

namespace dskit::xxh3_avx2 {

bool supported();  // the CPU has AVX2 (and the OS saves its registers)

struct State;
State* create();
void destroy(State* s);
void reset(State* s, bool wide);  // wide: XXH3-128, else XXH3-64
void update(State* s, const void* data, std::size_t n, bool wide);
// Canonical (big-endian) digest bytes: 16 for wide, 8 otherwise.
void digest(State* s, bool wide, unsigned char* out);
void oneshot(const void* data, std::size_t n, bool wide, unsigned char* out);

}  // namespace dskit::xxh3_avx2
