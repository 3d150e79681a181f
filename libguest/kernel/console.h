/* The host's standard streams as open files (console.c). */
#ifndef LIBGUEST_CONSOLE_H
#define LIBGUEST_CONSOLE_H

#include "fd.h"

/* A new open file (one reference) on the host's stream 0, 1 or 2: stdin
 * read-only, stdout and stderr write-only. */
struct ofile *console_ofile(int stream);

#endif
