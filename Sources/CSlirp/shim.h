// libslirp (Debian libslirp-dev): user-mode networking. The header needs no glib.
#include <slirp/libslirp.h>
