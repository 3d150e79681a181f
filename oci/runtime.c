/*
 * unikvm-oci: a runc-compatible OCI runtime that boots unikernels
 * (docs/oci.md). containerd's runc shim (containerd-shim-runc-v2, with
 * BinaryName pointing here) drives it exactly as it drives runc.
 *
 * The container's process is the VMM itself. `create` forks a child that
 * keeps the stdio the caller gave it, waits on the FIFO STATE/ID/exec.fifo
 * and, once `start` opens that FIFO, execs `unikvm run ...`: the pid in the
 * pid file is the VMM's, signals reach it directly (SIGTERM: status 143)
 * and the shim, a subreaper, reaps it and takes its exit status. The state
 * directory ROOT/ID holds state.json (pid, its start time, bundle, creation
 * time, annotations) and, once started, the file "started"; `state`
 * derives the status from those and from /proc, so it is never stale.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <sched.h>

#include <jansson.h>

#include "spec.h"

#define OCI_VERSION "1.0.2"
#define DEFAULT_ROOT "/run/unikvm-oci"
#define EXEC_FIFO "exec.fifo"
#define STATE_FILE "state.json"
#define STARTED_FILE "started"

static const char usage_text[] =
    "usage: unikvm-oci [global options] COMMAND [options] [ID] ...\n"
    "\n"
    "A runc-compatible OCI runtime that runs unikernels built with unikvm-cc:\n"
    "containerd's runc shim drives it (runtime_type io.containerd.runc.v2 with\n"
    "BinaryName set to this file). The container's process is the VMM,\n"
    "'unikvm run', booting the program process.args[0] of the bundle's\n"
    "config.json. See docs/oci.md.\n"
    "\n"
    "commands:\n"
    "  create --bundle DIR [--pid-file FILE] [--console-socket S] ID\n"
    "                     prepare the container; its process waits for 'start'\n"
    "                     (with process.terminal: the pty goes to --console-socket)\n"
    "  start ID           let it boot\n"
    "  state ID           print its OCI state (JSON): created, running, stopped\n"
    "  kill [--all] ID [SIGNAL]  send SIGNAL (name or number; default TERM)\n"
    "  delete [--force] ID       forget a stopped (or created) container; with\n"
    "                     --force, kill a running one first\n"
    "  ps [--format json] ID     the container's process ids\n"
    "  list               the containers in the state root\n"
    "  features           what this runtime supports (JSON)\n"
    "  run, spec, exec, pause, resume, update, checkpoint, restore, events:\n"
    "                     not supported for unikernels (a clear error)\n"
    "\n"
    "global options:\n"
    "  --root DIR         state directory (default " DEFAULT_ROOT ")\n"
    "  --log FILE         write errors to FILE too\n"
    "  --log-format text|json  (json: one object per line, as runc writes)\n"
    "  --debug, --systemd-cgroup, --rootless VALUE, --criu PATH: accepted,\n"
    "                     without effect (a unikernel has no cgroups of its own)\n"
    "  -h, --help         this text;  -v, --version  the version\n"
    "\n"
    "exit status: 0 on success, 1 on any error (message on stderr and in the\n"
    "--log file), as runc.\n";

static const char *root_dir = DEFAULT_ROOT;
static const char *log_path;
static bool log_json;

/* Reports an error on stderr and in the --log file (as JSON if asked: the
 * shim reads the last "error" entry of that file for its own message). */
static void __attribute__((format(printf, 1, 2))) oci_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "unikvm-oci: %s\n", msg);
	if (!log_path)
		return;
	FILE *f = fopen(log_path, "a");
	if (!f)
		return;
	if (log_json) {
		char when[64];
		time_t now = time(NULL);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		json_t *o =
		    json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", when);
		char *line = json_dumps(o, JSON_COMPACT);
		fprintf(f, "%s\n", line);
		free(line);
		json_decref(o);
	} else {
		fprintf(f, "unikvm-oci: %s\n", msg);
	}
	fclose(f);
}

/* runc's rule for ids: letters, digits, '_', '+', '-', '.'; not "." or "..". */
static bool valid_id(const char *id)
{
	if (!id[0] || !strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
			return false;
	return true;
}

static char *state_path(const char *id, const char *file)
{
	char *p;
	if (asprintf(&p, "%s/%s%s%s", root_dir, id, file ? "/" : "", file ? file : "") < 0)
		abort();
	return p;
}

/* Field 22 of /proc/PID/stat (start time in clock ticks) and the state
 * letter; -1 if there is no such process. */
static long long proc_start_time(pid_t pid, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the name may hold spaces and ')' */
	if (!p || p[1] != ' ')
		return -1;
	*state = p[2];
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtoll(p, NULL, 10);
}

struct container {
	char *id;
	json_t *st; /* state.json */
	pid_t pid;
	bool alive, started;
};

static void container_free(struct container *c)
{
	json_decref(c->st);
	free(c->id);
}

/* Loads the container's state; 0, or -1 after an error ("does not exist":
 * the shim treats that text as a container that is gone). */
static int container_load(const char *id, struct container *c, bool quiet)
{
	*c = (struct container){0};
	if (!valid_id(id)) {
		oci_error("invalid container id '%s'", id);
		return -1;
	}
	char *p = state_path(id, STATE_FILE);
	json_error_t je;
	c->st = json_load_file(p, 0, &je);
	free(p);
	if (!c->st) {
		if (!quiet)
			oci_error("container %s does not exist", id);
		return -1;
	}
	c->id = strdup(id);
	c->pid = (pid_t)json_integer_value(json_object_get(c->st, "pid"));
	char pstate = 0;
	long long t = proc_start_time(c->pid, &pstate);
	c->alive = c->pid > 0 && t >= 0 && pstate != 'Z' && pstate != 'X' &&
		   t == json_integer_value(json_object_get(c->st, "start_time"));
	p = state_path(id, STARTED_FILE);
	c->started = !access(p, F_OK);
	free(p);
	return 0;
}

static const char *container_status(const struct container *c)
{
	return !c->alive ? "stopped" : c->started ? "running" : "created";
}

/* Writes path atomically (a temporary file renamed over it). */
static int write_file_atomic(const char *path, const char *data)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		abort();
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = -1;
	if (fd >= 0) {
		size_t n = strlen(data);
		r = write(fd, data, n) == (ssize_t)n ? 0 : -1;
		if (close(fd))
			r = -1;
		if (!r)
			r = rename(tmp, path);
		if (r)
			unlink(tmp);
	}
	free(tmp);
	return r;
}

/* Removes ROOT/ID and what is in it (files only: it has no subfolders). */
static void remove_state(const char *id)
{
	char *dir = state_path(id, NULL);
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* The unikvm next to this executable (they are installed together). */
static char *sibling_unikvm(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return strdup("unikvm");
	self[n] = '\0';
	char *slash = strrchr(self, '/'), *p;
	*slash = '\0';
	if (asprintf(&p, "%s/unikvm", self) < 0)
		abort();
	return p;
}

/* Sends the pty master to the caller's --console-socket, as runc does: one
 * message whose data is the pty's name and whose SCM_RIGHTS carry the fd. */
static int send_console(const char *socket_path, int master, const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, socket_path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	int r =
	    connect(s, (struct sockaddr *)&addr, sizeof(addr)) || sendmsg(s, &msg, 0) < 0 ? -1 : 0;
	int e = errno;
	close(s);
	errno = e;
	return r;
}

/* In the child: a new session whose controlling terminal is the pty slave
 * named pts, on stdin, stdout and stderr. */
static void attach_terminal(const char *pts)
{
	int fd;
	if (setsid() < 0 || (fd = open(pts, O_RDWR)) < 0 || ioctl(fd, TIOCSCTTY, 0) ||
	    dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		fprintf(stderr, "unikvm-oci: terminal %s: %s\n", pts, strerror(errno));
		_exit(127);
	}
	if (fd > 2)
		close(fd);
}

/* The container's process before `start`: default signal handling, no
 * fds but stdio (on the pty pts if not NULL), wait until `start` opens the
 * FIFO, then become the VMM. */
static void __attribute__((noreturn))
child_wait_and_exec(const char *fifo, const struct oci_spec *spec, const char *pts)
{
	if (pts)
		attach_terminal(pts);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	close_range(3, ~0U, 0);
	if (chdir(spec->cwd)) {
		fprintf(stderr, "unikvm-oci: %s: %s\n", spec->cwd, strerror(errno));
		_exit(127);
	}
	int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* blocks until `start` */
	if (fd < 0 || write(fd, "0", 1) != 1) {
		fprintf(stderr, "unikvm-oci: %s: %s\n", fifo, strerror(errno));
		_exit(127);
	}
	if (spec->placeholder)
		for (;;)
			pause(); /* a pod sandbox: until its signal ends it */
	execv(spec->cmd.v[0], spec->cmd.v);
	fprintf(stderr, "unikvm-oci: %s: %s\n", spec->cmd.v[0], strerror(errno));
	_exit(127);
}

/* mkdir -p: 0, or -1 with errno. */
static int mkdir_p(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int r = 0;
	for (char *s = p + 1; !r; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST)
			r = -1;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return r;
}

/* What `create` was given. */
struct create_args {
	const char *bundle, *pid_file, *console_socket, *id;
};

/* create's options and its one ID; 0, or -1 after an error. */
static int parse_create_args(int argc, char **argv, struct create_args *a)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"no-pivot", no_argument, NULL, 'N'},
	    {"no-new-keyring", no_argument, NULL, 'K'},
	    {"preserve-fds", required_argument, NULL, 'P'},
	    {0},
	};
	int c;
	*a = (struct create_args){.bundle = "."};
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "0")) {
				oci_error("--preserve-fds: a unikernel takes no file descriptors "
					  "but stdio");
				return -1;
			}
			break;
		case 'N':
		case 'K':
			break;
		default:
			oci_error("create: bad option (see unikvm-oci --help)");
			return -1;
		}
	}
	if (optind != argc - 1) {
		oci_error("create: give exactly one container ID");
		return -1;
	}
	a->id = argv[optind];
	if (!valid_id(a->id)) {
		oci_error("invalid container id '%s'", a->id);
		return -1;
	}
	return 0;
}

/* The bundle's config.json as a `unikvm run` command line, the bundle's
 * absolute path in bundle_abs; 0, or -1 after an error. */
static int load_bundle(const struct create_args *a, char *bundle_abs, struct oci_spec *spec)
{
	char err[2048];
	if (!realpath(a->bundle, bundle_abs)) {
		oci_error("bundle %s: %s", a->bundle, strerror(errno));
		return -1;
	}
	char *unikvm = sibling_unikvm();
	int r = oci_spec_load(bundle_abs, unikvm, spec, err, sizeof(err));
	free(unikvm);
	if (r) {
		oci_error("%s", err);
		return -1;
	}
	if (spec->terminal != !!a->console_socket) {
		oci_error(spec->terminal
			      ? "process.terminal needs --console-socket to hand the "
				"terminal to"
			      : "--console-socket without process.terminal: no terminal to send");
		oci_spec_free(spec);
		return -1;
	}
	return 0;
}

/* ROOT/ID with its FIFO; 0, or -1 after an error (nothing left behind). */
static int make_state_dir(const char *id)
{
	char *dir = state_path(id, NULL), *fifo = state_path(id, EXEC_FIFO);
	int r = -1;
	if (mkdir_p(root_dir, 0711)) {
		oci_error("--root %s: %s", root_dir, strerror(errno));
	} else if (mkdir(dir, 0700)) {
		oci_error(errno == EEXIST ? "container with id %s already exists" : "%s: %s", id,
			  strerror(errno));
	} else if (mkfifo(fifo, 0600)) {
		oci_error("%s: %s", fifo, strerror(errno));
		remove_state(id);
	} else {
		r = 0;
	}
	free(dir);
	free(fifo);
	return r;
}

/* A new pty: its master (the fd), its slave's name in pts; -1 after an
 * error. */
static int open_pty(char *pts, size_t len)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, pts, len)) {
		oci_error("a terminal (pty): %s", strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	return master;
}

/* ROOT/ID/state.json for the container's process pid. */
static int write_state(const char *id, pid_t pid, const char *bundle_abs,
		       const struct oci_spec *spec)
{
	char pstate, when[64];
	long long start_time = proc_start_time(pid, &pstate);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	size_t wl = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", gmtime(&now.tv_sec));
	snprintf(when + wl, sizeof(when) - wl, ".%09ldZ", now.tv_nsec);
	json_t *st = json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:O}", "id", id, "pid", (int)pid,
			       "start_time", (json_int_t)start_time, "bundle", bundle_abs, "rootfs",
			       spec->rootfs, "created", when, "annotations", spec->annotations);
	char *text = json_dumps(st, JSON_INDENT(1)), *stf = state_path(id, STATE_FILE);
	json_decref(st);
	int r = write_file_atomic(stf, text);
	if (r)
		oci_error("%s: %s", stf, strerror(errno));
	free(text);
	free(stf);
	return r;
}

static int write_pid_file(const char *pid_file, pid_t pid)
{
	char num[32];
	snprintf(num, sizeof(num), "%d", (int)pid);
	if (write_file_atomic(pid_file, num)) {
		oci_error("--pid-file %s: %s", pid_file, strerror(errno));
		return -1;
	}
	return 0;
}

/* Moves this process (and so the container's, forked next) into the
 * container's network namespace: the one config.json names, or a new one
 * with its loopback up (as runc makes it). 0, or -1 after an error. */
static int enter_netns(const struct oci_spec *spec)
{
	if (spec->netns_fd >= 0) {
		if (setns(spec->netns_fd, CLONE_NEWNET)) {
			oci_error("joining the network namespace: setns: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!spec->netns_new)
		return 0;
	if (unshare(CLONE_NEWNET)) {
		oci_error("a new network namespace: unshare: %s", strerror(errno));
		return -1;
	}
	struct ifreq ifr = {.ifr_name = "lo"};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) ? -1 : 0;
	ifr.ifr_flags |= IFF_UP;
	if (!r)
		r = ioctl(s, SIOCSIFFLAGS, &ifr);
	if (r)
		oci_error("the new network namespace's loopback: %s", strerror(errno));
	if (s >= 0)
		close(s);
	return r;
}

/* create: check the bundle, make the state, fork the container's process
 * (it waits for `start`), hand over its terminal, record it. */
static int cmd_create(int argc, char **argv)
{
	struct create_args a;
	struct oci_spec spec;
	char bundle_abs[PATH_MAX], pts[64];
	int master = -1, r = 1;
	pid_t pid;

	if (parse_create_args(argc, argv, &a) || load_bundle(&a, bundle_abs, &spec))
		return 1;
	if (make_state_dir(a.id))
		goto out;
	if (spec.terminal && (master = open_pty(pts, sizeof(pts))) < 0)
		goto out_remove;
	if (enter_netns(&spec))
		goto out_remove;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		oci_error("fork: %s", strerror(errno));
		goto out_remove;
	}
	if (pid == 0) {
		char *fifo = state_path(a.id, EXEC_FIFO);
		child_wait_and_exec(fifo, &spec, spec.terminal ? pts : NULL);
	}
	if (master >= 0 && send_console(a.console_socket, master, pts)) {
		oci_error("--console-socket %s: %s", a.console_socket, strerror(errno));
		goto out_kill;
	}
	if (write_state(a.id, pid, bundle_abs, &spec) ||
	    (a.pid_file && write_pid_file(a.pid_file, pid)))
		goto out_kill;
	r = 0;
	goto out;
out_kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out_remove:
	remove_state(a.id);
out:
	if (master >= 0)
		close(master);
	oci_spec_free(&spec);
	return r;
}

/* The one ID a command takes, after its options. */
static const char *one_id(int argc, char **argv, const char *cmd)
{
	if (optind != argc - 1) {
		oci_error("%s: give exactly one container ID", cmd);
		return NULL;
	}
	return argv[optind];
}

/* Rejects options of commands that take none but an ID. */
static int no_options(int argc, char **argv, const char *cmd)
{
	static const struct option none[] = {{0}};
	if (getopt_long(argc, argv, "+", none, NULL) != -1) {
		oci_error("%s: bad option (see unikvm-oci --help)", cmd);
		return -1;
	}
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	if (no_options(argc, argv, "start"))
		return 1;
	const char *id = one_id(argc, argv, "start");
	struct container c;
	if (!id || container_load(id, &c, false))
		return 1;
	int r = 1;
	if (!c.alive) {
		oci_error("cannot start a container that has stopped");
		goto out;
	}
	if (c.started) {
		oci_error("cannot start an already running container");
		goto out;
	}
	char *fifo = state_path(id, EXEC_FIFO);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	free(fifo);
	if (fd < 0) {
		oci_error("start %s: %s", id, strerror(errno));
		goto out;
	}
	/* wait for the child's byte; give up if it dies first */
	char b;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) > 0 && read(fd, &b, 1) == 1)
			break;
		char s;
		if (proc_start_time(c.pid, &s) < 0 || s == 'Z') {
			close(fd);
			oci_error("container %s: its process ended before it could start", id);
			goto out;
		}
	}
	close(fd);
	char *started = state_path(id, STARTED_FILE);
	if (write_file_atomic(started, "")) {
		oci_error("%s: %s", started, strerror(errno));
		free(started);
		goto out;
	}
	free(started);
	r = 0;
out:
	container_free(&c);
	return r;
}

static json_t *state_json(const struct container *c)
{
	json_t *st = c->st;
	return json_pack("{s:s, s:s, s:s, s:i, s:O, s:O, s:O, s:O, s:s}", "ociVersion", OCI_VERSION,
			 "id", c->id, "status", container_status(c), "pid",
			 c->alive ? (int)c->pid : 0, "bundle", json_object_get(st, "bundle"),
			 "rootfs", json_object_get(st, "rootfs"), "created",
			 json_object_get(st, "created"), "annotations",
			 json_object_get(st, "annotations"), "owner", "");
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
	json_decref(j);
}

static int cmd_state(int argc, char **argv)
{
	if (no_options(argc, argv, "state"))
		return 1;
	const char *id = one_id(argc, argv, "state");
	struct container c;
	if (!id || container_load(id, &c, false))
		return 1;
	print_json(state_json(&c));
	container_free(&c);
	return 0;
}

/* A signal given as a number, NAME or SIGNAME; 0 if none. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(s, abbrev))
			return sig;
	}
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	int c;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1)
		if (c != 'a') {
			oci_error("kill: bad option (see unikvm-oci --help)");
			return 1;
		}
	if (optind != argc - 1 && optind != argc - 2) {
		oci_error("kill: usage: kill [--all] ID [SIGNAL]");
		return 1;
	}
	const char *id = argv[optind];
	int sig = optind == argc - 2 ? parse_signal(argv[optind + 1]) : SIGTERM;
	if (!sig) {
		oci_error("kill: '%s' is not a signal", argv[optind + 1]);
		return 1;
	}
	struct container ct;
	if (container_load(id, &ct, false))
		return 1;
	int r = 0;
	if (!ct.alive) {
		oci_error("container not running");
		r = 1;
	} else if (kill(ct.pid, sig)) {
		oci_error("kill %d: %s", (int)ct.pid, strerror(errno));
		r = 1;
	}
	container_free(&ct);
	return r;
}

/* Sends SIGKILL and waits (up to 10 s) until the process is gone. */
static int kill_and_wait(const struct container *c)
{
	kill(c->pid, SIGKILL);
	for (int i = 0; i < 1000; i++) {
		char s;
		long long t = proc_start_time(c->pid, &s);
		if (t < 0 || s == 'Z' || s == 'X' ||
		    t != json_integer_value(json_object_get(c->st, "start_time")))
			return 0;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	oci_error("container %s: process %d did not die of SIGKILL", c->id, (int)c->pid);
	return -1;
}

static int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	int o;
	while ((o = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (o != 'f') {
			oci_error("delete: bad option (see unikvm-oci --help)");
			return 1;
		}
		force = true;
	}
	const char *id = one_id(argc, argv, "delete");
	if (!id)
		return 1;
	struct container c;
	if (container_load(id, &c, force))
		return force && valid_id(id) ? 0 : 1; /* --force: gone already is fine */
	int r = 1;
	if (c.alive && c.started && !force) {
		oci_error("cannot delete container %s that is not stopped: running", id);
		goto out;
	}
	if (c.alive && kill_and_wait(&c))
		goto out;
	remove_state(id);
	r = 0;
out:
	container_free(&c);
	return r;
}

static int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	bool json = false;
	int o;
	while ((o = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (o != 'f' || (strcmp(optarg, "json") && strcmp(optarg, "table"))) {
			oci_error("ps: usage: ps [--format table|json] ID");
			return 1;
		}
		json = !strcmp(optarg, "json");
	}
	const char *id = one_id(argc, argv, "ps");
	struct container c;
	if (!id || container_load(id, &c, false))
		return 1;
	if (json)
		printf(c.alive ? "[%d]\n" : "[]\n", (int)c.pid);
	else if (c.alive)
		printf("PID\n%d\n", (int)c.pid);
	container_free(&c);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	if (no_options(argc, argv, "list") || optind != argc) {
		oci_error("list: takes no arguments");
		return 1;
	}
	DIR *d = opendir(root_dir);
	printf("ID\tPID\tSTATUS\tBUNDLE\n");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct container c;
		if (e->d_name[0] == '.' || container_load(e->d_name, &c, true))
			continue;
		printf("%s\t%d\t%s\t%s\n", c.id, c.alive ? (int)c.pid : 0, container_status(&c),
		       json_string_value(json_object_get(c.st, "bundle")));
		container_free(&c);
	}
	closedir(d);
	return 0;
}

static int cmd_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_json(json_pack("{s:s, s:s, s:[s,s,s,s], s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
			     "ociVersionMax", OCI_VERSION, "mountOptions", "bind", "rbind", "ro",
			     "rw", "annotations", "org.unikvm.runtime", "unikernel",
			     "org.unikvm.vmm", "unikvm run"));
	return 0;
}

static int not_supported(const char *cmd)
{
	oci_error("%s is not supported: a unikernel is one program in its own VM (see docs/oci.md)",
		  cmd);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"log", required_argument, NULL, 'l'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"systemd-cgroup", no_argument, NULL, 's'},
	    {"rootless", required_argument, NULL, 'R'},
	    {"criu", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root_dir = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				oci_error("--log-format '%s': json or text", optarg);
				return 1;
			}
			log_json = !strcmp(optarg, "json");
			break;
		case 'd':
		case 's':
		case 'R':
		case 'C':
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			printf("unikvm-oci version %s\nspec: %s\n", UKVM_VERSION, OCI_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 1;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"create", cmd_create}, {"start", cmd_start},	{"state", cmd_state},
	    {"kill", cmd_kill},	    {"delete", cmd_delete},	{"ps", cmd_ps},
	    {"list", cmd_list},	    {"features", cmd_features},
	};
	static const char *const unsupported[] = {
	    "run", "exec", "pause", "resume", "update", "checkpoint", "restore", "events", "spec"};
	const char *cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0; /* the command's own getopt_long starts over */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc, argv);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(cmd, unsupported[i]))
			return not_supported(cmd);
	oci_error("unknown command '%s' (see unikvm-oci --help)", cmd);
	return 1;
}
