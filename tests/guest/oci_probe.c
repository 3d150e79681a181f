/*
 * oci_probe: what a unikernel sees when it runs as a container
 * (tests/scripts/oci-*).
 *   oci_probe args ARGS...   prints "argv[i]=..." for each argument (argv[0] too)
 *   oci_probe env NAME...    prints "NAME=value" or "NAME unset"
 *   oci_probe cwd            prints the working directory
 *   oci_probe ls DIR         prints DIR's entries, sorted, one a line
 *   oci_probe cat FILE       copies FILE (- : stdin) to stdout
 *   oci_probe ticks N        prints "tick I" on stdout (flushed) every 100 ms, N times
 *   oci_probe exit N         exits with status N
 *   oci_probe mem            prints the guest RAM in MiB (sysinfo)
 *   oci_probe disks          prints each disk's size, mode and first line
 *   oci_probe isatty         prints "isatty: A B C" for fds 0, 1, 2
 *   oci_probe handler SIG    catches SIG (a number), prints "waiting for SIG N",
 *                            and once its handler ran, "handler ran for SIG N", exit 0
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#include <unikvm/blk.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

/* Waits in sigsuspend, with sig blocked outside it, so none is lost. */
static int handler(int sig)
{
	sigset_t block, old;
	struct sigaction sa = {.sa_handler = on_signal};
	if (sigaction(sig, &sa, NULL))
		return 1;
	sigemptyset(&block);
	sigaddset(&block, sig);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("waiting for SIG %d\n", sig);
	fflush(stdout);
	while (!caught)
		sigsuspend(&old);
	printf("handler ran for SIG %d\n", (int)caught);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	for (size_t i = 0; i < n; i++)
		puts(names[i]);
	return 0;
}

static int copy(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		perror(path);
		return 1;
	}
	int c;
	while ((c = getc(f)) != EOF)
		putchar(c);
	if (f != stdin)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "args")) {
		for (int i = 0; i < argc; i++)
			printf("argv[%d]=%s\n", i, argv[i]);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "env")) {
		for (int i = 2; i < argc; i++) {
			const char *v = getenv(argv[i]);
			if (v)
				printf("%s=%s\n", argv[i], v);
			else
				printf("%s unset\n", argv[i]);
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "cwd")) {
		char buf[4096];
		puts(getcwd(buf, sizeof(buf)) ? buf : "(getcwd failed)");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "ls"))
		return list(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "cat"))
		return copy(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "ticks")) {
		for (int i = 0; i < atoi(argv[2]); i++) {
			printf("tick %d\n", i);
			fflush(stdout);
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "isatty")) {
		printf("isatty: %d %d %d\n", isatty(0), isatty(1), isatty(2));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "mem")) {
		struct sysinfo si;
		if (sysinfo(&si))
			return 1;
		printf("%lluM\n", (unsigned long long)si.totalram * si.mem_unit >> 20);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "disks")) {
		for (unsigned d = 0; d < blk_count(); d++) {
			struct blk_info info;
			static char sector[4096];
			if (blk_info(d, &info) || info.sector_size > sizeof(sector) ||
			    blk_read(d, 0, sector, info.sector_size))
				return 1;
			sector[strcspn(sector, "\n")] = '\0';
			printf("disk %u: %llu sectors %s: %s\n", d,
			       (unsigned long long)info.sectors, info.read_only ? "ro" : "rw",
			       sector);
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "handler"))
		return handler(atoi(argv[2]));
	fprintf(stderr,
		"usage: oci_probe args|env|cwd|ls|cat|ticks|exit|mem|disks|isatty|handler ...\n");
	return 2;
}
