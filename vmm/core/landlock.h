/*
 * The VMM's Landlock confinement (the kernel's <linux/landlock.h> uapi,
 * called through syscall(2): Debian 12's glibc has no wrappers). Applied
 * once, to the whole process, after everything is opened and before the
 * guest runs, next to seccomp (core/seccomp.c); Landlock's own calls must
 * be made before seccomp forbids them.
 *
 * `unikvm run` calls it before the devices start (commands/run.c).
 */
#ifndef UKVM_LANDLOCK_H
#define UKVM_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One host path the VMM may keep using after confinement. */
struct landlock_path {
	const char *path; /* opened here (O_PATH) unless fd is given; its name in messages */
	int fd;		  /* > 0: an fd open on it (O_PATH is enough), used instead */
	bool writable;	  /* false: read and execute only */
	bool create_only; /* a directory where files may only be created and written
			   * (a core file not there yet): no reads, no removal */
};

/* What the VMM may still reach once confined. Everything else on the file
 * system (the access rights the kernel's ABI knows) and, with ABI >= 4,
 * every TCP bind and connect outside these lists, fails with EACCES. */
struct landlock_policy {
	const struct landlock_path *paths;
	size_t npaths;
	const uint16_t *bind_ports; /* host TCP ports the network policy allows to bind */
	size_t nbind_ports;
	bool connect_any; /* outbound TCP allowed at all (any port) */
	bool bind_any;	  /* any TCP bind (--network host): bind is left unhandled */
};

/* The Landlock ABI version the running kernel offers: 0 if none (not built
 * in, or disabled at boot), else 1.. (6.1: 2; 6.7: 4, TCP rules). */
int landlock_abi(void);

/* Confines the calling process to policy with what the kernel's ABI
 * offers; *abi_out (if not NULL) gets that ABI (0: nothing applied, not an
 * error). 0, or -1 with a one-line reason in err. */
int landlock_confine(const struct landlock_policy *policy, int *abi_out, char *err, size_t errlen);

#endif
