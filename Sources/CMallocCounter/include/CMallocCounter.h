#ifndef XEMU_MALLOC_COUNTER_H
#define XEMU_MALLOC_COUNTER_H
#include <stdint.h>

/// Calls of malloc, calloc and realloc in this process so far (Linux/glibc; 0 elsewhere).
/// Used by `xemu bench virtqueue` to report allocations per chain.
uint64_t xemu_malloc_count(void);

#endif
