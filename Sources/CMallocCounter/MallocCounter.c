// Counts heap allocations for `xemu bench virtqueue` by interposing glibc's malloc, calloc and
// realloc: each forwards to glibc's own implementation (__libc_*), so the allocator is
// unchanged and free() needs no wrapper. One relaxed atomic increment per call.
#include "CMallocCounter.h"

#if defined(__linux__) && defined(__GLIBC__)
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static uint64_t allocations;

void *malloc(size_t size) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_realloc(pointer, size);
}

uint64_t xemu_malloc_count(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }
#else
uint64_t xemu_malloc_count(void) { return 0; }
#endif
