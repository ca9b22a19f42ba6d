// Linux calls that Swift's Glibc module leaves out because glibc declares them only under
// _GNU_SOURCE: fallocate(2) for discarding disk ranges.
#include <linux/falloc.h>

int fallocate(int fd, int mode, long offset, long length);

/// Deallocates [offset, offset + length) of a file, keeping its size; the range reads as zeros.
static inline int xemu_punch_hole(int fd, long offset, long length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

#include <sys/ioctl.h>
#include <sys/random.h>

/// The terminal size of `fd` (columns, rows); 0 when `fd` is not a terminal. ioctl(2) is
/// variadic, which Swift cannot call.
static inline int xemu_terminal_size(int fd, unsigned short *columns, unsigned short *rows) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *columns = size.ws_col;
    *rows = size.ws_row;
    return 0;
}
