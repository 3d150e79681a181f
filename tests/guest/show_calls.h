/* show_calls.h: what differential test programs print of a call, and every
 * path call on one path. The host build and the unikernel must print the
 * same bytes. */
#ifndef UKVM_TEST_SHOW_CALLS_H
#define UKVM_TEST_SHOW_CALLS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* What a call gave: its result, or -1 and errno's text. */
static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s = %ld (%s)\n", what, r, strerror(errno));
	else
		printf("%s = %ld\n", what, r);
	errno = 0;
}
#define SHOW(expr) show(#expr, (long)(expr))

/* Every call that takes a path, on path, which is expected to fail (it
 * goes through a non-directory or a missing one), so nothing changes.
 * existing (or NULL) names a file to rename and link onto path. With a
 * trailing slash, the calls that create path are left out (on an existing
 * file Linux gives EEXIST or EISDIR there: docs/syscalls.md), and so is
 * rename of path (EXDEV first when "x" is on another file system). */
static void show_path_calls(const char *path, const char *existing)
{
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	struct statfs sfs;
	struct stat st;
	char buf[16];

	printf("%s:\n", path);
	SHOW(open(path, O_RDONLY));
	SHOW(stat(path, &st));
	SHOW(lstat(path, &st));
	SHOW(statfs(path, &sfs));
	SHOW(access(path, F_OK));
	SHOW(readlink(path, buf, sizeof(buf)));
	SHOW(chmod(path, 0600));
	SHOW(chown(path, 0, 0));
	SHOW(unlink(path));
	SHOW(rmdir(path));
	SHOW(chdir(path));
	SHOW(link(path, "y"));
	SHOW(utimensat(AT_FDCWD, path, ts, 0));
	SHOW(utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW));
	SHOW(utimensat(AT_FDCWD, path, omit, 0)); /* nothing to do: 0, the path unread */
	if (existing)
		SHOW(rename(existing, path));
	if (path[strlen(path) - 1] == '/')
		return;
	SHOW(rename(path, "x"));
	SHOW(open(path, O_WRONLY | O_CREAT, 0600));
	SHOW(mkdir(path, 0700));
	SHOW(symlink("t", path));
	if (existing)
		SHOW(link(existing, path));
}

#endif
