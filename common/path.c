/* Guest path arithmetic (path.h). */
#include <errno.h>

#include "common/path.h"

/* How the component that ends at s (a '/' or the end) is used by the rest
 * of the path, if a '/' follows it; -1 if none does. */
static int dir_use(const char *s)
{
	if (*s != '/')
		return -1;
	while (*s == '/')
		s++;
	if (!*s)
		return PATH_DIR_TRAILING;
	if (s[0] == '.' && (s[1] == '/' || !s[1] || (s[1] == '.' && (s[2] == '/' || !s[2]))))
		return PATH_DIR_FOLDED;
	return PATH_DIR_INNER;
}

long path_normalize_dirs(char *out, size_t outlen, const char *base, const char *path,
			 path_dir_check *check, void *ctx)
{
	size_t n = 0;

	if (!path[0])
		return -ENOENT;
	if (outlen < 2)
		return -ENAMETOOLONG;
	out[n++] = '/';
	for (int pass = path[0] == '/' ? 1 : 0; pass < 2; pass++) {
		const char *s = pass ? path : base;
		while (*s) {
			while (*s == '/')
				s++;
			const char *c = s;
			while (*s && *s != '/')
				s++;
			size_t len = (size_t)(s - c);
			if (len == 0 || (len == 1 && c[0] == '.'))
				continue;
			if (len == 2 && c[0] == '.' && c[1] == '.') {
				while (n > 1 && out[n - 1] != '/')
					n--;
				if (n > 1)
					n--; /* the '/' before the dropped component */
				continue;
			}
			if (n > 1)
				out[n++] = '/';
			if (len >= outlen || n + len >= outlen)
				return -ENAMETOOLONG;
			for (size_t i = 0; i < len; i++)
				out[n++] = c[i];
			int use = pass && check ? dir_use(s) : -1;
			if (use >= 0) {
				out[n] = '\0'; /* n < outlen: checked above */
				long r = check(out, (enum path_dir_use)use, ctx);
				if (r < 0)
					return r;
			}
		}
	}
	out[n] = '\0';
	return (long)n;
}

long path_normalize(char *out, size_t outlen, const char *base, const char *path)
{
	return path_normalize_dirs(out, outlen, base, path, NULL, NULL);
}

/* Whether mount is abs or a parent of it; *rel: the rest of abs. */
static int path_is_under(const char *abs, const char *mount, const char **rel)
{
	size_t i = 0;

	if (mount[0] == '/' && mount[1] == '\0') {
		*rel = abs + 1;
		return 1;
	}
	while (mount[i] && abs[i] == mount[i])
		i++;
	if (mount[i])
		return 0;
	if (abs[i] == '\0') {
		*rel = abs + i;
		return 1;
	}
	if (abs[i] != '/')
		return 0;
	*rel = abs + i + 1;
	return 1;
}

int path_find_mount(const char *abs, const char *const *mounts, unsigned n, const char **rel)
{
	int best = -1;
	size_t best_len = 0;

	for (unsigned m = 0; m < n; m++) {
		const char *r;
		size_t len = 0;
		if (!path_is_under(abs, mounts[m], &r))
			continue;
		while (mounts[m][len])
			len++;
		if (best < 0 || len > best_len) {
			best = (int)m;
			best_len = len;
			*rel = r;
		}
	}
	return best;
}
