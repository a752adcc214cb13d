// XXH3 with the AVX2 kernels, compiled here (whatever the project's -march) and picked at run time.
#include "dskit/hash/xxh3_avx2.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>  // xxhash.h includes it only when __AVX2__ is set for the whole build
#ifdef __clang__        // clang has no GCC target pragma (the fuzz build, tests/fuzz)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define XXH_INLINE_ALL
#define XXH_VECTOR 2  // XXH_AVX2
#include <xxhash.h>
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#define DSKIT_HAVE_AVX2 1
#endif

namespace dskit::xxh3_avx2 {

#ifdef DSKIT_HAVE_AVX2

struct State {
  XXH3_state_t st;
};

bool supported() {
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok;
}

State* create() {
  return new State;
}
void destroy(State* s) {
  delete s;
}

__attribute__((target("avx2"))) void reset(State* s, bool wide) {
  if (wide)
    XXH3_128bits_reset(&s->st);
  else
    XXH3_64bits_reset(&s->st);
}

__attribute__((target("avx2"))) void update(State* s, const void* data, std::size_t n, bool wide) {
  if (wide)
    XXH3_128bits_update(&s->st, data, n);
  else
    XXH3_64bits_update(&s->st, data, n);
}

__attribute__((target("avx2"))) void digest(State* s, bool wide, unsigned char* out) {
  if (wide) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&s->st));
    for (int i = 0; i < 16; ++i) out[i] = c.digest[i];
  } else {
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, XXH3_64bits_digest(&s->st));
    for (int i = 0; i < 8; ++i) out[i] = c.digest[i];
  }
}

__attribute__((target("avx2"))) void oneshot(const void* data, std::size_t n, bool wide, unsigned char* out) {
  if (wide) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(data, n));
    for (int i = 0; i < 16; ++i) out[i] = c.digest[i];
  } else {
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, XXH3_64bits(data, n));
    for (int i = 0; i < 8; ++i) out[i] = c.digest[i];
  }
}

#else

struct State {};
bool supported() {
  return false;
}
State* create() {
  return nullptr;
}
void destroy(State*) {}
void reset(State*, bool) {}
void update(State*, const void*, std::size_t, bool) {}
void digest(State*, bool, unsigned char*) {}
void oneshot(const void*, std::size_t, bool, unsigned char*) {}

#endif

}  // namespace dskit::xxh3_avx2
