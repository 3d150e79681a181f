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

/* What a path says of one of its components that a '/' follows: it must be
 * a directory. */
enum path_dir_use {
	PATH_DIR_INNER,	   /* more components follow: a lookup of the whole path sees it */
	PATH_DIR_FOLDED,   /* "." or ".." follows: folding drops it, or what it must be */
	PATH_DIR_TRAILING, /* only '/' follows: a trailing slash */
};
/* Says whether the normalised prefix (the path up to and including that
 * component) can be a directory: 0, or -errno to fail path_normalize_dirs
 * with. */
typedef long path_dir_check(const char *prefix, enum path_dir_use use, void *ctx);

/* path_normalize, calling check (unless NULL) for each component of path
 * (not of base, whose components are known directories) that a '/'
 * follows, in order, before anything after it is folded: lexical folding
 * must not hide that "file/.." or "file/" goes through a non-directory. */
long path_normalize_dirs(char *out, size_t outlen, const char *base, const char *path,
			 path_dir_check *check, void *ctx);

/* The mount (index into mounts[n], each normalised) that holds the
 * normalised path abs: the longest that is abs or a parent of it. Returns
 * the index and sets *rel to the path relative to it ("" for the mount
 * itself, never starting with '/'), or -1 if no mount holds abs. */
int path_find_mount(const char *abs, const char *const *mounts, unsigned n, const char **rel);

#endif
