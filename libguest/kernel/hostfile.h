/* Files and directories of the --dir mappings as open files (hostfile.c):
 * each is a handle of the VMM, which does the I/O on its host fd. */
#ifndef LIBGUEST_HOSTFILE_H
#define LIBGUEST_HOSTFILE_H

#include "fd.h"

/* Opens p (a mapping and a path relative to it) on the host with open
 * flags hflags and mode (umask applied); abs is its normalised guest
 * path (a directory's dir_path). *of gets one reference. 0 or -errno. */
long hostfile_open(const struct ukvm_fs_path *p, const char *abs, uint32_t hflags, uint32_t mode,
		   struct ofile **of);
/* The VMM's handle of a --dir file, or 0 if of is none (sendfile). */
int32_t hostfile_handle(const struct ofile *of);

#endif
