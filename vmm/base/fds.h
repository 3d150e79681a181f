/*
 * File descriptors held in struct fields, -1 when not open.
 */
#ifndef UKVM_FDS_H
#define UKVM_FDS_H

#include <stddef.h>
#include <unistd.h>

/* Closes each open one of the n fds that fds point to and sets it to -1. */
static inline void fds_close(int *const fds[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* FDS_CLOSE(&a->x, &a->y, ...): fds_close of those fields. */
#define FDS_CLOSE(...)                                                                             \
	fds_close((int *const[]){__VA_ARGS__}, sizeof((int *const[]){__VA_ARGS__}) / sizeof(int *))

#endif
