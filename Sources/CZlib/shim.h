// zlib (Debian zlib1g-dev): gzip-compressed kernels (Debian's arm64 vmlinuz).
#include <zlib.h>
