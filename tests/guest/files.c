/* files: file and directory operations in the current directory, printed
 * so that the host build (run in a copy of the fixture) and the unikernel
 * (run with --dir on another copy) can be compared byte for byte. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "show_calls.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
	char *names[64];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		printf("opendir(%s): %s\n", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) && n < 64) {
		char t = e->d_type == DT_DIR   ? 'd'
			 : e->d_type == DT_REG ? 'f'
			 : e->d_type == DT_LNK ? 'l'
					       : '?';
		names[n] = malloc(strlen(e->d_name) + 3);
		sprintf(names[n++], "%c %s", t, e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", dir);
	for (int i = 0; i < n; i++)
		printf(" [%s]", names[i]);
	printf("\n");
}

static void show_stat(const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		printf("%sstat(%s): %s\n", follow ? "" : "l", path, strerror(errno));
		return;
	}
	printf("%sstat(%s): type %o perm %o size %lld nlink %ld\n", follow ? "" : "l", path,
	       st.st_mode & S_IFMT, st.st_mode & 07777, (long long)st.st_size, (long)st.st_nlink);
}

/* A path through a non-directory is ENOTDIR, also where folding "." and
 * ".." would hide it ("hello.txt/.."), and a missing directory before
 * ".." is ENOENT. */
static void through_files(void)
{
	static const char *paths[] = {
	    "hello.txt/x",	"hello.txt/.",		"hello.txt/..", "hello.txt/../sub",
	    "link-to-hello/..", "missing/../hello.txt", "sub/x/../y",	"hello.txt/",
	    "link-to-hello/",	"/dev/null/x"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		show_path_calls(paths[i], "hello.txt");
	/* a trailing slash is fine on directories, and on a new directory */
	SHOW(access("sub/", F_OK));
	SHOW(mkdir("slashed/", 0700));
	SHOW(rename("slashed/", "slashed2/"));
	SHOW(rmdir("slashed2/"));
	SHOW(access("sub/../hello.txt", F_OK));
	show_stat("sub/./inside.txt", 1);
}

/* statfs and fstatfs, and musl's statvfs and fstatvfs on them: only what
 * stays the same between two calls (not the free counts), flags without
 * ST_RDONLY (which says how the host mounted the copy). */
static void show_statfs(const char *what, int r, const struct statfs *s)
{
	if (r < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: type %lx bsize %ld namelen %ld frsize %ld blocks %d flags %lx\n", what,
	       (unsigned long)s->f_type, (long)s->f_bsize, (long)s->f_namelen, (long)s->f_frsize,
	       s->f_blocks > 0, (unsigned long)s->f_flags & ~(unsigned long)ST_RDONLY);
}

static void show_statvfs(const char *what, int r, const struct statvfs *s)
{
	if (r < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: bsize %lu frsize %lu namemax %lu blocks %d flag %lx\n", what, s->f_bsize,
	       s->f_frsize, s->f_namemax, s->f_blocks > 0, s->f_flag & ~(unsigned long)ST_RDONLY);
}

static void file_systems(void)
{
	static const char *const paths[] = {"hello.txt", "sub", ".", "link-to-hello", "sub/.."};
	struct statfs sf;
	struct statvfs sv;
	char what[64];
	int p[2];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(what, sizeof(what), "statfs(%s)", paths[i]);
		show_statfs(what, statfs(paths[i], &sf), &sf);
		snprintf(what, sizeof(what), "statvfs(%s)", paths[i]);
		show_statvfs(what, statvfs(paths[i], &sv), &sv);
		int fd = open(paths[i], O_RDONLY);
		snprintf(what, sizeof(what), "fstatfs(open %s)", paths[i]);
		show_statfs(what, fstatfs(fd, &sf), &sf);
		snprintf(what, sizeof(what), "fstatvfs(open %s)", paths[i]);
		show_statvfs(what, fstatvfs(fd, &sv), &sv);
		close(fd);
	}
	int fd = open("sub", O_PATH);
	show_statfs("fstatfs(O_PATH sub)", fstatfs(fd, &sf), &sf);
	close(fd);
	SHOW(pipe(p));
	show_statfs("fstatfs(pipe read end)", fstatfs(p[0], &sf), &sf);
	show_statfs("fstatfs(pipe write end)", fstatfs(p[1], &sf), &sf);
	show_statvfs("fstatvfs(pipe)", fstatvfs(p[0], &sv), &sv);
	close(p[0]);
	close(p[1]);
	show_statfs("fstatfs(stdout)", fstatfs(1, &sf), &sf); /* a file of the test's */
	show_statfs("statfs(missing)", statfs("missing", &sf), &sf);
	show_statfs("statfs(empty)", statfs("", &sf), &sf);
	show_statfs("statfs(hello.txt/)", statfs("hello.txt/", &sf), &sf);
	show_statfs("fstatfs(closed)", fstatfs(p[0], &sf), &sf);
	show_statvfs("statvfs(missing)", statvfs("missing", &sv), &sv);
	show_statvfs("fstatvfs(closed)", fstatvfs(p[0], &sv), &sv);
	/* a buffer or path outside the program's memory: EFAULT (musl's
	 * wrappers would clear the buffer first and crash) */
	SHOW(syscall(SYS_statfs, "hello.txt", (void *)8));
	SHOW(syscall(SYS_statfs, (const char *)8, &sf));
	SHOW(syscall(SYS_fstatfs, 1, (void *)8));
	SHOW(syscall(SYS_statfs, "missing", (void *)8)); /* the path first */
	SHOW(syscall(SYS_fstatfs, 99, (void *)8));	 /* the fd first */
}

/* Calls on an fd act on the open file, never on its path: a tmpfile()
 * (its name removed at once) takes them all (libc-test functional/utime
 * failed futimens there). /tmp: the test machine's own, the unikernel's a
 * --dir mapping of an empty directory in it (differential --tmp). */
static void unlinked_file(void)
{
	struct timespec ts[2] = {{1000000000, 5}, {1234567890, 123456789}};
	struct stat st;
	char buf[8] = {0};
	FILE *f = tmpfile();

	SHOW(f != NULL);
	if (!f)
		return;
	int fd = fileno(f);
	SHOW(write(fd, "content", 7));
	SHOW(fstat(fd, &st));
	printf("nlink %ld size %lld mode %o\n", (long)st.st_nlink, (long long)st.st_size,
	       st.st_mode & 07777);
	SHOW(fchmod(fd, 0640));
	SHOW(fchown(fd, st.st_uid, st.st_gid));
	SHOW(fchown(fd, (uid_t)-1, (gid_t)-1));
	SHOW(ftruncate(fd, 4));
	SHOW(futimens(fd, ts));
	SHOW(fsync(fd));
	SHOW(fdatasync(fd));
	SHOW(fstat(fd, &st));
	printf("nlink %ld size %lld mode %o mtime %lld.%09ld atime %lld\n", (long)st.st_nlink,
	       (long long)st.st_size, st.st_mode & 07777, (long long)st.st_mtim.tv_sec,
	       st.st_mtim.tv_nsec, (long long)st.st_atim.tv_sec);
	SHOW(pread(fd, buf, sizeof(buf) - 1, 0));
	printf("[%s]\n", buf);
	SHOW(futimens(fd, NULL));
	SHOW(fclose(f));
}

int main(void)
{
	char buf[256];
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	list(".");
	/* read an existing file, whole and in pieces */
	fd = open("hello.txt", O_RDONLY);
	SHOW(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("read %zd: %s", n, buf);
	SHOW(lseek(fd, 6, SEEK_SET));
	SHOW(read(fd, buf, 5));
	printf("[%.5s]\n", buf);
	SHOW(pread(fd, buf, 4, 0));
	printf("[%.4s]\n", buf);
	SHOW(lseek(fd, 0, SEEK_CUR));
	SHOW(lseek(fd, 0, SEEK_END));
	SHOW(lseek(fd, -100, SEEK_SET));
	SHOW(write(fd, "x", 1));
	SHOW(fcntl(fd, F_GETFL) & O_ACCMODE);
	SHOW(fcntl(fd, F_GETFD));
	SHOW(fcntl(fd, F_SETFD, FD_CLOEXEC));
	SHOW(fcntl(fd, F_GETFD));
	int d2 = dup(fd);
	SHOW(d2 > fd);
	SHOW(lseek(d2, 0, SEEK_CUR)); /* shared offset */
	SHOW(fcntl(d2, F_GETFD));
	SHOW(dup2(fd, 20));
	SHOW(close(20));
	SHOW(close(20));
	SHOW(close(d2));
	SHOW(close(fd));
	SHOW(read(fd, buf, 1));

	/* create, write with writev and pwrite, read back */
	fd = open("new.txt", O_CREAT | O_EXCL | O_RDWR, 0666);
	SHOW(fd >= 0);
	struct iovec iov[3] = {{"one ", 4}, {"", 0}, {"two\n", 4}};
	SHOW(writev(fd, iov, 3));
	SHOW(pwrite(fd, "TWO", 3, 4));
	SHOW(lseek(fd, 0, SEEK_SET));
	char a[4] = {0}, b[5] = {0};
	struct iovec riov[2] = {{a, 3}, {b, 4}};
	SHOW(readv(fd, riov, 2));
	printf("[%s][%s]\n", a, b);
	SHOW(ftruncate(fd, 3));
	SHOW(fsync(fd));
	SHOW(fdatasync(fd));
	SHOW(close(fd));
	show_stat("new.txt", 1);
	SHOW(open("new.txt", O_CREAT | O_EXCL | O_RDWR, 0666));
	fd = open("new.txt", O_WRONLY | O_APPEND);
	SHOW(write(fd, "+app\n", 5));
	SHOW(read(fd, buf, 1));
	close(fd);
	FILE *fp = fopen("new.txt", "r");
	printf("fgets: %s", fgets(buf, sizeof(buf), fp));
	fclose(fp);
	fp = fopen("made-by-stdio.txt", "w");
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "line %d\n", i);
	fclose(fp);
	show_stat("made-by-stdio.txt", 1);

	/* errno values */
	SHOW(open("missing", O_RDONLY));
	SHOW(open("hello.txt/x", O_RDONLY));
	SHOW(open("sub", O_WRONLY));
	SHOW(open("hello.txt", O_RDONLY | O_DIRECTORY));
	SHOW(mkdir("sub", 0755));
	SHOW(rmdir("sub"));
	SHOW(unlink("sub"));
	SHOW(rmdir("hello.txt"));
	SHOW(rename("missing", "x"));
	SHOW(access("hello.txt", R_OK));
	SHOW(access("missing", F_OK));

	/* directories */
	SHOW(mkdir("newdir", 0750));
	show_stat("newdir", 1);
	SHOW(mkdir("newdir/inner", 0777));
	SHOW(rename("new.txt", "newdir/inner/moved.txt"));
	list("newdir/inner");
	SHOW(rename("newdir/inner/moved.txt", "hello-copy"));
	SHOW(unlink("hello-copy"));
	SHOW(rmdir("newdir/inner"));
	SHOW(rmdir("newdir"));

	/* cwd */
	SHOW(chdir("sub"));
	SHOW(getcwd(buf, sizeof(buf)) != NULL);
	const char *base = strrchr(buf, '/');
	printf("cwd ends in %s\n", base);
	fd = open("../hello.txt", O_RDONLY);
	SHOW(fd >= 0);
	close(fd);
	list(".");
	SHOW(chdir(".."));
	SHOW(chdir("hello.txt"));

	/* openat, fstatat, readlink */
	int dfd = open("sub", O_RDONLY | O_DIRECTORY);
	SHOW(dfd >= 0);
	fd = openat(dfd, "inside.txt", O_RDONLY);
	SHOW(fd >= 0);
	SHOW(read(fd, buf, sizeof(buf)));
	close(fd);
	struct stat st;
	SHOW(fstatat(dfd, "inside.txt", &st, 0));
	printf("size %lld\n", (long long)st.st_size);
	SHOW(mkdirat(dfd, "d", 0700));
	SHOW(unlinkat(dfd, "d", AT_REMOVEDIR));
	SHOW(renameat(dfd, "inside.txt", AT_FDCWD, "out.txt"));
	SHOW(renameat(AT_FDCWD, "out.txt", dfd, "inside.txt"));
	SHOW(faccessat(dfd, "inside.txt", R_OK, 0));
	SHOW(fstat(dfd, &st));
	printf("dir %d\n", S_ISDIR(st.st_mode));
	close(dfd);
	n = readlink("link-to-hello", buf, sizeof(buf));
	SHOW(n);
	printf("link: %.*s\n", (int)n, buf);
	SHOW(readlink("hello.txt", buf, sizeof(buf)));
	show_stat("link-to-hello", 0);
	show_stat("link-to-hello", 1);
	/* the raw syscalls musl's wrappers do not reach */
	fd = (int)syscall(SYS_creat, "raw.txt", 0600);
	SHOW(fd >= 0);
	struct iovec wv[2] = {{"pre", 3}, {"adv\n", 4}};
	SHOW(pwritev(fd, wv, 2, 2));
	SHOW(lseek(fd, 0, SEEK_CUR));
	close(fd);
	fd = open("raw.txt", O_RDONLY);
	char p1[3] = {0}, p2[8] = {0};
	struct iovec rv[2] = {{p1, 2}, {p2, 7}};
	SHOW(preadv(fd, rv, 2, 1));
	printf("[%.2s][%.7s]\n", p1, p2);
	SHOW(dup3(fd, 30, O_CLOEXEC));
	SHOW(fcntl(30, F_GETFD));
	SHOW(syscall(SYS_dup3, fd, fd, 0));
	SHOW(syscall(SYS_dup3, fd, 31, 12345));
	SHOW(syscall(SYS_dup3, 200, 31, 0));
	close(30);
	close(fd);
	unsigned char sx[256];
	SHOW(syscall(SYS_statx, AT_FDCWD, "raw.txt", 0, 0x7ffU, sx));
	uint32_t sx_mask, sx_nlink;
	uint16_t sx_mode;
	uint64_t sx_size;
	memcpy(&sx_mask, sx, 4);
	memcpy(&sx_nlink, sx + 16, 4);
	memcpy(&sx_mode, sx + 28, 2);
	memcpy(&sx_size, sx + 40, 8);
	printf("statx: basic %d mode %o nlink %u size %llu\n", (sx_mask & 0x7ff) == 0x7ff, sx_mode,
	       sx_nlink, (unsigned long long)sx_size);
	SHOW(syscall(SYS_statx, AT_FDCWD, "missing", 0, 0x7ffU, sx));
	SHOW(syscall(SYS_faccessat2, AT_FDCWD, "raw.txt", R_OK, AT_EACCESS));
	SHOW(syscall(SYS_renameat2, AT_FDCWD, "raw.txt", AT_FDCWD, "hello.txt", 1 /* NOREPLACE */));
	SHOW(syscall(SYS_renameat2, AT_FDCWD, "raw.txt", AT_FDCWD, "raw2.txt", 1));
	SHOW(unlink("raw2.txt"));
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	n = readlinkat(dfd, "link-to-hello", buf, sizeof(buf));
	printf("readlinkat %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	SHOW(chdir("sub"));
	SHOW(fchdir(dfd));
	SHOW(access("hello.txt", F_OK));
	close(dfd);
	int pp[2];
	SHOW(pipe2(pp, O_CLOEXEC));
	SHOW(fcntl(pp[0], F_GETFD));
	SHOW(write(pp[1], "x", 1));
	struct pollfd pf = {pp[0], POLLIN, 0};
	struct timespec zero = {0, 0};
	SHOW(ppoll(&pf, 1, &zero, NULL));
	SHOW(pf.revents);
	close(pp[0]);
	close(pp[1]);
	/* modes, times, owners, links */
	fd = open("attr.txt", O_CREAT | O_WRONLY, 0644);
	SHOW(fchmod(fd, 0600));
	struct timespec times[2] = {{1000000000, 5}, {1234567890, 123456789}};
	SHOW(futimens(fd, times));
	SHOW(fstat(fd, &st));
	printf("mode %o mtime %lld.%09ld atime %lld\n", st.st_mode & 07777,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_atim.tv_sec);
	SHOW(fchown(fd, st.st_uid, st.st_gid));
	SHOW(fchown(fd, (uid_t)-1, (gid_t)-1));
	close(fd);
	SHOW(chmod("attr.txt", 0640));
	SHOW(fchmodat(AT_FDCWD, "link-to-hello", 0604, 0));
	struct timespec omit[2] = {{0, UTIME_OMIT}, {42, 0}};
	SHOW(utimensat(AT_FDCWD, "attr.txt", omit, 0));
	SHOW(stat("attr.txt", &st));
	printf("mode %o mtime %lld atime %lld\n", st.st_mode & 07777, (long long)st.st_mtim.tv_sec,
	       (long long)st.st_atim.tv_sec);
	SHOW(utimensat(AT_FDCWD, "link-to-hello", times, AT_SYMLINK_NOFOLLOW));
	SHOW(lstat("link-to-hello", &st));
	printf("link mtime %lld\n", (long long)st.st_mtim.tv_sec);
	SHOW(chmod("missing", 0600));
	SHOW(lchown("link-to-hello", (uid_t)-1, (gid_t)-1));
	SHOW(symlink("attr.txt", "attr-link"));
	SHOW(symlink("x", "attr-link"));
	SHOW(symlinkat("../hello.txt", AT_FDCWD, "sub/up-link"));
	fd = open("sub/up-link", O_RDONLY);
	SHOW(read(fd, buf, 5));
	close(fd);
	SHOW(link("attr.txt", "attr-hard"));
	SHOW(link("attr.txt", "attr-hard"));
	show_stat("attr.txt", 1);
	SHOW(linkat(AT_FDCWD, "link-to-hello", AT_FDCWD, "hard-to-link", 0));
	show_stat("hard-to-link", 0);
	SHOW(umask(077));
	SHOW(umask(022));
	through_files();
	file_systems();
	unlinked_file();
	list(".");
	unlink("made-by-stdio.txt");
	return 0;
}
