/* Pipes inside the guest (pipe.c). */
#ifndef LIBGUEST_PIPE_H
#define LIBGUEST_PIPE_H

#include "fd.h"

/* A new pipe: end[0] for reading, end[1] for writing, one reference
 * each; flags: O_NONBLOCK or 0. 0, or -ENFILE when no pipe is free. */
long pipe_create(uint32_t flags, struct ofile *end[2]);

#endif
