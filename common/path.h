/*
 * Guest path arithmetic, pure (no libc, no state): libguest resolves every
 * path with it, the VMM normalises --dir guest paths with it, and host
 * unit tests (tests/unit/test_path.c) check it.
 *
 * A normalised path is absolute, has no "." or ".." components, no
 * repeated '/' and no trailing '/' ("/" itself excepted).
 */
#ifndef LIBGUEST_PATH_H
#define LIBGUEST_PATH_H

#include <stddef.h>

/* Joins base (normalised; ignored when path is absolute) and path, resolving
 * ".", ".." (lexically: ".." of "/" is "/") and repeated '/'. Writes the
 * normalised result with its NUL into out[outlen]. Returns its length,
 * -ENOENT for an empty path, or -ENAMETOOLONG. */
long path_normalize(char *out, size_t outlen, const char *base, const char *path);

/* The mount (index into mounts[n], each normalised) that holds the
 * normalised path abs: the longest that is abs or a parent of it. Returns
 * the index and sets *rel to the path relative to it ("" for the mount
 * itself, never starting with '/'), or -1 if no mount holds abs. */
int path_find_mount(const char *abs, const char *const *mounts, unsigned n, const char **rel);

#endif
