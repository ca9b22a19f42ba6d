// Linux calls that Swift's Glibc module leaves out because glibc declares them only under
// _GNU_SOURCE: fallocate(2) for discarding disk ranges.
#include <linux/falloc.h>

int fallocate(int fd, int mode, long offset, long length);

/// Deallocates [offset, offset + length) of a file, keeping its size; the range reads as zeros.
static inline int xemu_punch_hole(int fd, long offset, long length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}
