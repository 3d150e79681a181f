/* The device files (dev.c): /dev/null, /dev/zero, /dev/random,
 * /dev/urandom, /dev/stdin, /dev/stdout, /dev/stderr, and the VMM's
 * /etc/resolv.conf, /etc/hosts, /etc/services (read-only regular files). */
#ifndef LIBGUEST_DEV_H
#define LIBGUEST_DEV_H

#include "fd.h"

/* The device at normalised path abs, or -1. */
int dev_lookup(const char *abs);
/* Opens device dev (open flags): *of gets a reference (/dev/std*: to the
 * open file of fd 0, 1 or 2). 0 or -errno. */
long dev_open(int dev, uint32_t flags, struct ofile **of);
/* access(2) of device dev: 0 or -errno. */
long dev_access(int dev, uint32_t mode);
/* stat, statfs of device dev by its path. */
long dev_stat(int dev, struct ukvm_stat *u);
long dev_statfs(int dev, struct ukvm_statfs *u);

#endif
