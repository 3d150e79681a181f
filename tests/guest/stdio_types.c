/* stdio_types: what fd 0..2 are (fstat, isatty) and the file systems they
 * are on (fstatfs: pipefs, devpts, ...), as the host sees them. */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char *type(mode_t m)
{
	return S_ISREG(m)    ? "regular"
	       : S_ISFIFO(m) ? "fifo"
	       : S_ISCHR(m)  ? "chardev"
	       : S_ISDIR(m)  ? "dir"
	       : S_ISSOCK(m) ? "socket"
			     : "other";
}

int main(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			printf("fd %d: fstat failed\n", fd);
			continue;
		}
		printf("fd %d: %s isatty %d", fd, type(st.st_mode), isatty(fd));
		if (S_ISREG(st.st_mode) && fd == 0)
			printf(" size %lld", (long long)st.st_size);
		printf("\n");
	}
	for (int fd = 0; fd < 3; fd++) {
		struct statfs sf;
		if (fstatfs(fd, &sf) < 0)
			printf("fd %d: fstatfs failed\n", fd);
		else
			printf("fd %d: file system %lx\n", fd, (unsigned long)sf.f_type);
	}
	return 0;
}
