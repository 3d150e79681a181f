/*
 * landlock_confine() (vmm/core/landlock.c) on the running kernel: each
 * case confines a forked child, which reports what it could still do.
 * With ABI 0 the call must succeed and change nothing; with ABI >= 1 a
 * file outside the allowed paths is refused with EACCES, a read-only path
 * refuses writes; with ABI >= 4 a TCP bind to a port not in the list and a
 * connect when connect is not allowed are refused with EACCES.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/landlock.h"

static char scratch[] = "/tmp/ukvm-landlock-XXXXXX";
static char ro_dir[64], rw_dir[64];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(scratch))
		return -1;
	snprintf(ro_dir, sizeof(ro_dir), "%s/ro", scratch);
	snprintf(rw_dir, sizeof(rw_dir), "%s/rw", scratch);
	return mkdir(ro_dir, 0700) || mkdir(rw_dir, 0700);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* errno of opening dir/name for flags (0: it opened). */
static int open_errno(const char *dir, const char *name, int flags)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* errno of bind (connect: of connect) to 127.0.0.1:port (0: it worked; a
 * refused connect, ECONNREFUSED, means Landlock let it through). */
static int tcp_errno(uint16_t port, int do_connect)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int rc = do_connect ? connect(s, (struct sockaddr *)&a, sizeof(a))
			    : bind(s, (struct sockaddr *)&a, sizeof(a));
	int e = rc < 0 ? errno : 0;
	close(s);
	return e;
}

/* Bits of what the confined child found, its exit status. */
enum {
	RO_READ_OK = 1,
	RO_WRITE_EACCES = 2,
	RW_WRITE_OK = 4,
	OUTSIDE_EACCES = 8,
	BIND_ALLOWED_OK = 16,
	BIND_OTHER_EACCES = 32,
	CONNECT_EACCES = 64,
};

static int child_status(bool connect_any, bool bind_any, int *abi)
{
	int fd = open_errno(ro_dir, "f", O_CREAT | O_WRONLY);
	assert_int_equal(fd, 0);
	*abi = landlock_abi();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct landlock_path paths[] = {{.path = ro_dir, .writable = false},
						      {.path = rw_dir, .writable = true}};
		const uint16_t ports[] = {47811};
		const struct landlock_policy pol = {.paths = paths,
						    .npaths = 2,
						    .bind_ports = ports,
						    .nbind_ports = 1,
						    .connect_any = connect_any,
						    .bind_any = bind_any};
		char err[256];
		int got;
		if (landlock_confine(&pol, &got, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			_exit(255);
		}
		int r = 0;
		r |= open_errno(ro_dir, "f", O_RDONLY) == 0 ? RO_READ_OK : 0;
		r |= open_errno(ro_dir, "f", O_WRONLY) == EACCES ? RO_WRITE_EACCES : 0;
		r |= open_errno(rw_dir, "g", O_CREAT | O_WRONLY) == 0 ? RW_WRITE_OK : 0;
		r |= open_errno(scratch, "h", O_CREAT | O_WRONLY) == EACCES ? OUTSIDE_EACCES : 0;
		r |= tcp_errno(47811, 0) == 0 ? BIND_ALLOWED_OK : 0;
		r |= tcp_errno(47812, 0) == EACCES ? BIND_OTHER_EACCES : 0;
		r |= tcp_errno(47813, 1) == EACCES ? CONNECT_EACCES : 0;
		_exit(r);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 255);
	return WEXITSTATUS(st);
}

static void confine_no_connect(void **state)
{
	(void)state;
	int abi;
	int r = child_status(false, false, &abi);
	print_message("landlock ABI %d: result bits %#x\n", abi, (unsigned)r);
	if (abi == 0) {
		/* Nothing confined: writes everywhere, no EACCES. */
		assert_int_equal(r, RO_READ_OK | RW_WRITE_OK | BIND_ALLOWED_OK);
		return;
	}
	int want = RO_READ_OK | RO_WRITE_EACCES | RW_WRITE_OK | OUTSIDE_EACCES | BIND_ALLOWED_OK;
	if (abi >= 4)
		want |= BIND_OTHER_EACCES | CONNECT_EACCES;
	assert_int_equal(r, want);
}

static void confine_connect_any(void **state)
{
	(void)state;
	int abi;
	int r = child_status(true, false, &abi);
	assert_int_equal(r & CONNECT_EACCES, 0);
	assert_int_equal(!!(r & BIND_OTHER_EACCES), abi >= 4);
}

/* --network host: any port may be bound, whatever the port list says. */
static void confine_bind_any(void **state)
{
	(void)state;
	int abi;
	int r = child_status(true, true, &abi);
	assert_int_equal(r & (CONNECT_EACCES | BIND_OTHER_EACCES), 0);
	assert_true(r & BIND_ALLOWED_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(confine_no_connect),
	    cmocka_unit_test(confine_connect_any),
	    cmocka_unit_test(confine_bind_any),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
