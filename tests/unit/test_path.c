/* Guest path arithmetic (common/path.c): folding and the mount table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_normalize_errors),
	    cmocka_unit_test(test_find_mount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
