/* Guest path arithmetic (common/path.c): folding and the mount table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/path.h"

static void check_norm(const char *base, const char *path, const char *want)
{
	char out[64];
	long n = path_normalize(out, sizeof(out), base, path);
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
	(void)state;
	check_norm("/", "a", "/a");
	check_norm("/a/b", "c", "/a/b/c");
	check_norm("/a/b", "/x//y/", "/x/y");
	check_norm("/a/b", "..", "/a");
	check_norm("/a/b", "../../../..", "/");
	check_norm("/", "/../etc/passwd", "/etc/passwd");
	check_norm("/a", "./b/./c/..", "/a/b");
	check_norm("/a", ".", "/a");
	check_norm("/", "...", "/...");
	check_norm("/", "..a/b..", "/..a/b..");
	check_norm("/data", "x/../../y", "/y");
}

static void test_normalize_errors(void **state)
{
	char out[8];
	(void)state;
	assert_int_equal(path_normalize(out, sizeof(out), "/", ""), -ENOENT);
	assert_int_equal(path_normalize(out, sizeof(out), "/", "/abcdefg"), -ENAMETOOLONG);
	assert_int_equal(path_normalize(out, sizeof(out), "/", "/abcdef"), 7);
	assert_int_equal(path_normalize(out, sizeof(out), "/abc", "defg"), -ENAMETOOLONG);
	assert_int_equal(path_normalize(out, 1, "/", "/"), -ENAMETOOLONG);
}

static void test_find_mount(void **state)
{
	const char *m[] = {"/data", "/data/sub", "/datax", "/"};
	const char *rel = NULL;
	(void)state;
	assert_int_equal(path_find_mount("/data/sub/f", m, 4, &rel), 1);
	assert_string_equal(rel, "f");
	assert_int_equal(path_find_mount("/data/subx", m, 4, &rel), 0);
	assert_string_equal(rel, "subx");
	assert_int_equal(path_find_mount("/data", m, 4, &rel), 0);
	assert_string_equal(rel, "");
	assert_int_equal(path_find_mount("/datax/y", m, 4, &rel), 2);
	assert_string_equal(rel, "y");
	assert_int_equal(path_find_mount("/etc/passwd", m, 4, &rel), 3);
	assert_string_equal(rel, "etc/passwd");
	assert_int_equal(path_find_mount("/", m, 4, &rel), 3);
	assert_string_equal(rel, "");
	assert_int_equal(path_find_mount("/etc", m, 3, &rel), -1);
	assert_int_equal(path_find_mount("/dat", m, 3, &rel), -1);
	assert_int_equal(path_find_mount("/data", m, 0, &rel), -1);
}

/* Records the checks path_normalize_dirs asks for, as "prefix:use" lines,
 * and fails the one whose prefix is ctx's "fail" (if any). */
struct checks {
	char log[256];
	const char *fail;
};

static long record(const char *prefix, enum path_dir_use use, void *ctx)
{
	struct checks *c = ctx;
	static const char use_name[] = {'i', 'f', 't'};
	size_t n = strlen(c->log);
	snprintf(c->log + n, sizeof(c->log) - n, "%s:%c ", prefix, use_name[use]);
	return c->fail && !strcmp(prefix, c->fail) ? -ENOTDIR : 0;
}

static void check_dirs(const char *base, const char *path, const char *want_log,
		       const char *out_want)
{
	struct checks c = {.log = "", .fail = NULL};
	char out[64];
	long n = path_normalize_dirs(out, sizeof(out), base, path, record, &c);
	assert_string_equal(c.log, want_log);
	assert_int_equal(n, (long)strlen(out_want));
	assert_string_equal(out, out_want);
}

static void test_normalize_dirs(void **state)
{
	(void)state;
	/* base components are directories already: never asked about */
	check_dirs("/a/b", "c", "", "/a/b/c");
	check_dirs("/a/b", "../c", "", "/a/c");
	check_dirs("/", "/dev/null/x", "/dev:i /dev/null:i ", "/dev/null/x");
	check_dirs("/", "/dev/null/", "/dev:i /dev/null:t ", "/dev/null");
	check_dirs("/", "/dev/null//.", "/dev:i /dev/null:f ", "/dev/null");
	check_dirs("/w", "f/..", "/w/f:f ", "/w");
	check_dirs("/w", "f/../g", "/w/f:f ", "/w/g");
	check_dirs("/w", "a/b/../../c", "/w/a:i /w/a/b:f ", "/w/c");
	check_dirs("/w", "a/./b", "/w/a:f ", "/w/a/b");
	check_dirs("/w", "..a/...", "/w/..a:i ", "/w/..a/...");
	check_dirs("/w", "x", "", "/w/x");

	struct checks c = {.log = "", .fail = "/dev/null"};
	char out[64];
	assert_int_equal(
	    path_normalize_dirs(out, sizeof(out), "/", "/dev/null/../zero", record, &c), -ENOTDIR);
	assert_string_equal(c.log, "/dev:i /dev/null:f ");
	/* without a check it is path_normalize */
	assert_int_equal(path_normalize_dirs(out, sizeof(out), "/", "/a/../b/", NULL, NULL), 2);
	assert_string_equal(out, "/b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_normalize_errors),
	    cmocka_unit_test(test_normalize_dirs),
	    cmocka_unit_test(test_find_mount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
