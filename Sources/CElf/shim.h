// libelf (Debian libelf-dev): ELF kernel and firmware loading.
#include <libelf.h>
#include <gelf.h>
