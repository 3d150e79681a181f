/*
 * unikvm-bench: the network (docs/performance.md, "The network").
 */
#include "bench.h"

/* ---- the network (issues 17 and 19): the same servers on the host -------- */

/* A fresh loopback port per server started (no wait for TIME_WAIT), below
 * the ephemeral range; spread by pid so that two runs rarely collide. */
static int net_port(void)
{
	static int next;
	if (!next)
		next = 20000 + (int)(getpid() % 1000) * 10;
	return next++;
}

/* The sandbox starts with its loopback down (`ip link set lo up`). */
static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("cannot read the loopback's flags: %s", strerror(errno));
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			die("the loopback is down and cannot be brought up (ip link set lo up): %s",
			    strerror(errno));
	}
	close(s);
}

static void sleep_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

/* One connection to 127.0.0.1:port, or -1 (not listening yet). */
static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* The servers running, killed if the benchmark ends early (die, exit). */
static pid_t servers[MAX_VMS + 1];

static void kill_servers(void)
{
	for (int i = 0; i <= MAX_VMS; i++)
		if (servers[i] > 0)
			kill(servers[i], SIGKILL);
}

/* Marks pid running (on) or reaped (!on). */
static void server_mark(pid_t pid, bool on)
{
	for (int i = 0; i <= MAX_VMS; i++)
		if (servers[i] == (on ? 0 : pid)) {
			servers[i] = on ? pid : 0;
			return;
		}
}

#define NET_TIMEOUT_MS 180000 /* for a server to answer (50 VMs on a loaded sandbox: 50 s) */

/* Fails the benchmark if server p ended (it was reaped here) or took
 * longer than NET_TIMEOUT_MS to answer. */
static void check_alive(struct proc *p, const char *what)
{
	int st;
	if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
		server_mark(p->pid, false);
		char *e = slurp(p->err);
		fprintf(stderr, "unikvm-bench: %s ended before it answered (status %d):\n%s", what,
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), e);
		exit(1);
	}
	if (now_ms() - p->start_ms > NET_TIMEOUT_MS) {
		kill(p->pid, SIGKILL);
		fprintf(stderr, "unikvm-bench: %s did not answer within %d s\n", what,
			NET_TIMEOUT_MS / 1000);
		exit(1);
	}
}

/* Connects to server p on port, retrying until it listens. */
static int connect_server(struct proc *p, int port, const char *what)
{
	int fd;
	while ((fd = tcp_connect(port)) < 0) {
		check_alive(p, what);
		sleep_ms(2);
	}
	return fd;
}

/* Stops server p with SIGTERM; unless it exits 0 (the servers stop
 * cleanly on it), fails, or with !strict says so on stderr: lighttpd
 * returns 1 when a connection is still open at shutdown, as the
 * unikernel's often is right after wrk; its figures stand. Returns its
 * stderr (the caller frees). */
static char *stop_server(struct proc *p, const char *what, bool strict)
{
	kill(p->pid, SIGTERM);
	proc_wait(p);
	server_mark(p->pid, false);
	char *e = slurp(p->err);
	if (p->status != 0 && !strict) {
		fprintf(stderr,
			"unikvm-bench: warning: %s exited %d after SIGTERM; its stderr:\n%s", what,
			p->status, e);
	} else if (p->status != 0) {
		fprintf(stderr, "unikvm-bench: %s exited %d after SIGTERM:\n%s", what, p->status,
			e);
		exit(1);
	}
	proc_close(p);
	return e;
}

/* Waits for server p (started by the caller) to exit 0; returns stderr. */
static char *wait_server(struct proc *p, const char *what)
{
	proc_wait(p);
	server_mark(p->pid, false);
	char *e = slurp(p->err);
	if (p->status != 0) {
		fprintf(stderr, "unikvm-bench: %s exited %d:\n%s", what, p->status, e);
		exit(1);
	}
	proc_close(p);
	return e;
}

/* The exits and the hypercalls (all kinds summed) of `unikvm run --stats`. */
static void stats_counts(const char *err, double *exits, double *hypercalls)
{
	const char *s = strstr(err, "unikvm: stats: exits ");
	*exits = field(s, "exits ");
	*hypercalls = NAN;
	if (!s || !(s = strstr(s, "hypercalls:")))
		return;
	*hypercalls = 0;
	for (s += strlen("hypercalls:"); *s && *s != ';';) {
		char *end;
		while (*s == ' ')
			s++;
		s += strcspn(s, " ;"); /* the name */
		double v = strtod(s, &end);
		if (end == s)
			break;
		*hypercalls += v;
		s = end;
	}
}

static void full_write(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			die("write to the echo server: %s", w < 0 ? strerror(errno) : "0 bytes");
		b += w, n -= (size_t)w;
	}
}

/* n 1-byte round trips on fd; ns per round trip. */
static double echo_round_trips(int fd, int n)
{
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		char c = (char)i, r;
		full_write(fd, &c, 1);
		if (read(fd, &r, 1) != 1 || r != c)
			die("the echo server answered wrong or not at all%s", "");
	}
	return (now_ms() - t0) * 1e6 / n;
}

/* bytes each way at once on fd (non-blocking, one poll loop): the echo
 * must come back intact. MB/s each way. */
static double echo_bulk(int fd, long bytes)
{
	static char out[256 << 10], in[256 << 10];
	long sent = 0, got = 0;
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + i / 251);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	double t0 = now_ms();
	while (got < bytes) {
		struct pollfd pf = {.fd = fd, .events = POLLIN | (sent < bytes ? POLLOUT : 0)};
		if (poll(&pf, 1, NET_TIMEOUT_MS) <= 0)
			die("the echo server stalled in the bulk transfer%s", "");
		if (sent < bytes && (pf.revents & POLLOUT)) {
			long off = sent % (long)sizeof(out), len = (long)sizeof(out) - off;
			ssize_t w =
			    write(fd, out + off, (size_t)(len < bytes - sent ? len : bytes - sent));
			if (w < 0 && errno != EAGAIN)
				die("bulk write: %s", strerror(errno));
			if (w > 0 && (sent += w) == bytes)
				shutdown(fd, SHUT_WR);
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			long off = got % (long)sizeof(in);
			ssize_t r = read(fd, in, (size_t)((long)sizeof(in) - off));
			if (r == 0 || (r < 0 && errno != EAGAIN))
				die("the echo server closed early in the bulk transfer%s", "");
			if (r > 0 && memcmp(in, out + off, (size_t)r))
				die("the echo server sent back other bytes%s", "");
			if (r > 0)
				got += r;
		}
	}
	double ms = now_ms() - t0;
	char c;
	if (read(fd, &c, 1) > 0)
		die("the echo server sent more than it got%s", "");
	return (double)bytes / ms / 1e3;
}

#define ECHO_WARMUP 10

/* One echo server run (host build, or the unikernel with --stats): the
 * round trips or the bulk transfer on one connection. *exits and
 * *syscalls (per round trip) are set for the unikernel. */
static double echo_run(bool guest, bool bulk, double *exits, double *syscalls)
{
	char port[16], map[48];
	int p = net_port();
	snprintf(port, sizeof(port), "%d", p);
	snprintf(map, sizeof(map), "127.0.0.1:%d:7", p);
	char *host[] = {cfg.netecho_host, port, "1", NULL};
	char *vm[] = {cfg.unikvm,     "run", "--stats", "-p", map,
		      cfg.netecho_uk, "--",  "7",	"1",  NULL};
	struct proc s;
	proc_start(&s, guest ? vm : host, false);
	server_mark(s.pid, true);
	int fd = connect_server(&s, p, "the echo server");
	double v;
	if (bulk) {
		v = echo_bulk(fd, cfg.net_bulk_mib << 20);
	} else {
		echo_round_trips(fd, ECHO_WARMUP);
		v = echo_round_trips(fd, cfg.net_round_trips);
	}
	close(fd);
	char *e = wait_server(&s, "the echo server");
	if (guest && exits) {
		double ex, hc, n = cfg.net_round_trips + ECHO_WARMUP;
		stats_counts(e, &ex, &hc);
		*exits = ex / n;
		*syscalls = (ex + hc) / n;
	}
	free(e);
	return v;
}

/* What the servers serve as /index.html (bench_net writes it). */
#define HTTP_BODY "unikvm-bench index\n"

/* An HTTP/1.0 GET of /index.html on port: true when the answer is a 200
 * with the expected body. */
static bool http_ok(int port)
{
	static const char req[] = "GET /index.html HTTP/1.0\r\n\r\n";
	char buf[4096];
	size_t len = 0;
	ssize_t r;
	int fd = tcp_connect(port);
	if (fd < 0)
		return false;
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return false;
	}
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	size_t body = strlen(HTTP_BODY);
	return !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 8, " 200 ", 5) && len > body &&
	       !strcmp(buf + len - body, HTTP_BODY);
}

/* Waits until server p answers on port; ms from its spawn. */
static double wait_http(struct proc *p, int port, const char *what)
{
	while (!http_ok(port)) {
		check_alive(p, what);
		sleep_ms(2);
	}
	return now_ms() - p->start_ms;
}

enum server { HTTPD, LIGHTTPD };

/* Starts server kind (the unikernel when guest) on port; argv in av[]. */
static void http_start(struct proc *p, enum server kind, bool guest, int port, bool stats)
{
	static char portarg[16], map[48], dir[PATH_MAX + 8], env_port[32], env_root[PATH_MAX + 16],
	    env_log[PATH_MAX + 16];
	snprintf(portarg, sizeof(portarg), "%d", port);
	snprintf(map, sizeof(map), "127.0.0.1:%d:8080", port);
	snprintf(dir, sizeof(dir), "%s:/srv", tmpdir);
	snprintf(env_port, sizeof(env_port), "LIGHTTPD_PORT=%d", guest ? 8080 : port);
	snprintf(env_root, sizeof(env_root), "LIGHTTPD_ROOT=%s", guest ? "/srv" : tmpdir);
	snprintf(env_log, sizeof(env_log), "LIGHTTPD_LOG=%s/lighttpd.%s.log",
		 guest ? "/srv" : tmpdir, guest ? "uk" : "host");
	char *av[24];
	int n = 0;
	if (guest) {
		av[n++] = cfg.unikvm, av[n++] = "run";
		if (stats)
			av[n++] = "--stats";
		av[n++] = "-p", av[n++] = map, av[n++] = "--dir", av[n++] = dir;
		if (kind == LIGHTTPD) {
			av[n++] = "--env", av[n++] = env_root, av[n++] = "--env",
			av[n++] = env_port;
			av[n++] = "--env", av[n++] = env_log;
		}
		av[n++] = kind == HTTPD ? cfg.httpd_uk : cfg.lighttpd_uk, av[n++] = "--";
	} else if (kind == HTTPD) {
		av[n++] = cfg.httpd_host, av[n++] = "-p", av[n++] = portarg;
	} else {
		av[n++] = "/usr/bin/env", av[n++] = env_root, av[n++] = env_port, av[n++] = env_log;
		av[n++] = cfg.lighttpd_host;
	}
	if (kind == HTTPD)
		av[n++] = "-r", av[n++] = guest ? "/srv" : tmpdir;
	else
		av[n++] = "-D", av[n++] = "-f",
		av[n++] = guest ? "/srv/lighttpd.conf" : cfg.lighttpd_conf;
	av[n] = NULL;
	proc_start(p, av, false); /* the access log (httpd's stdout) to /dev/null */
	server_mark(p->pid, true);
}

/* A latency of wrk's --latency table (key "99%"), in ms. */
static double wrk_ms(const char *s, const char *key)
{
	const char *k = strstr(s, "Latency Distribution");
	char *end;
	k = k ? strstr(k, key) : NULL;
	if (!k)
		return NAN;
	double v = strtod(k + strlen(key), &end);
	return !strncmp(end, "us", 2)	? v / 1e3
	       : !strncmp(end, "ms", 2) ? v
	       : *end == 's'		? v * 1e3
	       : *end == 'm'		? v * 6e4
					: NAN;
}

struct wrk_result {
	double rps, p99_ms, requests, exits, syscalls;
};

/* wrk on one server run: requests/s, p99, and for the unikernel (run
 * with --stats) exits and host system calls per request. */
static struct wrk_result wrk_run(enum server kind, bool guest)
{
	static const char *names[] = {"apps/httpd", "lighttpd"};
	char dur[16], conns[16], url[64];
	int port = net_port();
	struct proc s;
	struct wrk_result w = {.exits = NAN, .syscalls = NAN};
	snprintf(dur, sizeof(dur), "%ds", cfg.wrk_seconds);
	snprintf(conns, sizeof(conns), "%d", cfg.wrk_conns);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/index.html", port);
	http_start(&s, kind, guest, port, true);
	wait_http(&s, port, names[kind]);
	char *wrk[] = {cfg.wrk, "-t",	     "1",   "-c",	 conns, "-d",
		       dur,	"--timeout", "30s", "--latency", url,	NULL},
	     *out;
	run(wrk, &out, NULL, NULL);
	const char *kind_name = guest ? "unikernel" : "host build";
	if (strstr(out, "Non-2xx") || !strstr(out, "Requests/sec:")) {
		fprintf(stderr, "unikvm-bench: wrk against %s (%s) failed:\n%s", names[kind],
			kind_name, out);
		exit(1);
	}
	/* Connections the server closed or reset mid-answer (wrk's "read"
	 * errors) are reported, not fatal: the figures count what was answered. */
	const char *errs = strstr(out, "Socket errors:");
	if (errs)
		fprintf(stderr, "unikvm-bench: wrk against %s (%s): %.*s\n", names[kind], kind_name,
			(int)strcspn(errs, "\n"), errs);
	w.rps = field(out, "Requests/sec:");
	w.p99_ms = wrk_ms(out, "99%");
	const char *r = strstr(out, " requests in ");
	while (r && r > out && r[-1] >= '0' && r[-1] <= '9')
		r--;
	w.requests = r ? strtod(r, NULL) + 1 : NAN; /* + wait_http's */
	free(out);
	char *e = stop_server(&s, names[kind], kind == HTTPD);
	if (guest) {
		double ex, hc;
		stats_counts(e, &ex, &hc);
		w.exits = ex / w.requests;
		w.syscalls = (ex + hc) / w.requests;
	}
	free(e);
	return w;
}

/* Figures under wrk for server kind; returns how many went to fs. */
static int bench_wrk(struct figure *fs, enum server kind)
{
	static char names[2][4][96];
	static const char *label[] = {"apps/httpd", "lighttpd"};
	const char *base = "the same source built natively (musl-gcc -static)";
	snprintf(names[kind][0], 96, "%s under wrk (%d connections): requests/s", label[kind],
		 cfg.wrk_conns);
	snprintf(names[kind][1], 96, "%s under wrk: p99 latency", label[kind]);
	snprintf(names[kind][2], 96, "%s: exits per request", label[kind]);
	snprintf(names[kind][3], 96, "%s: host system calls per request", label[kind]);
	fs[0] = (struct figure){.name = names[kind][0],
				.unit = "req/s",
				.baseline = base,
				.target = ">= 0.8x",
				.has_ratio = true,
				.higher_is_better = true,
				.target_ratio = 0.8};
	fs[1] = (struct figure){
	    .name = names[kind][1], .unit = "ms", .baseline = base, .has_ratio = true};
	fs[2] = (struct figure){
	    .name = names[kind][2], .unit = "exits", .baseline = "none: --stats exits / requests"};
	fs[3] = (struct figure){.name = names[kind][3],
				.unit = "calls",
				.baseline = "none: --stats exits + hypercalls / requests"};
	for (int i = 0; i < cfg.net_runs; i++) {
		struct wrk_result h = wrk_run(kind, false), g = wrk_run(kind, true);
		add(&fs[0].base, h.rps), add(&fs[0].val, g.rps);
		add(&fs[1].base, h.p99_ms), add(&fs[1].val, g.p99_ms);
		add(&fs[2].val, g.exits), add(&fs[3].val, g.syscalls);
	}
	for (int i = 0; i < 4; i++)
		fs[i].base_value = fs[i].base.n ? median(&fs[i].base) : NAN;
	return 4;
}

/* The resident set of process pid, in KiB (VmRSS), or NAN. */
static double rss_kib(pid_t pid)
{
	char path[64], *text;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NAN;
	buf[n] = 0;
	text = buf;
	return field(text, "VmRSS:");
}

/* n httpd servers (unikernels when guest) started at once, each on its
 * own port; ms until every one answered correctly. *rss_mib: their total
 * resident set once all answered. */
static double many_httpd(int n, bool guest, double *rss_mib)
{
	static struct proc p[MAX_VMS];
	int port[MAX_VMS];
	bool ok[MAX_VMS] = {0};
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		port[i] = net_port();
		http_start(&p[i], HTTPD, guest, port[i], false);
	}
	for (int left = n; left;) {
		for (int i = 0; i < n; i++) {
			if (ok[i])
				continue;
			if ((ok[i] = http_ok(port[i])))
				left--;
			else
				check_alive(&p[i], "an httpd of many");
		}
		if (left)
			sleep_ms(2);
	}
	double ms = now_ms() - t0, kib = 0;
	for (int i = 0; i < n; i++)
		kib += rss_kib(p[i].pid);
	*rss_mib = kib / 1024;
	for (int i = 0; i < n; i++)
		kill(p[i].pid, SIGTERM);
	for (int i = 0; i < n; i++)
		free(wait_server(&p[i], "an httpd of many"));
	return ms;
}

/* At most: the echo's 4, httpd's and lighttpd's 4 each under wrk, the
 * first answer, many at once and their RSS. */

int bench_net(struct figure *fs)
{
	static char bulk_name[96], many_name[96], rss_name[96];
	const char *base = "the same source on the host (musl-gcc -static)";
	int n = 0;
	loopback_up();
	signal(SIGPIPE, SIG_IGN); /* a server that closes early is an error, not a signal */
	atexit(kill_servers);
	char index[PATH_MAX];
	snprintf(index, sizeof(index), "%s/index.html", tmpdir);
	int fd = open(index, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, HTTP_BODY, strlen(HTTP_BODY)) != (ssize_t)strlen(HTTP_BODY) ||
	    close(fd) < 0)
		die("cannot write %s", index);

	/* The echo server: 1-byte round trips, then bulk both ways. */
	struct figure *rt = &fs[n++], *bulk = &fs[n++], *rt_exits = &fs[n++], *rt_calls = &fs[n++];
	*rt = (struct figure){.name = "TCP round trip of 1 byte through an echo server",
			      .unit = "ns",
			      .baseline = base,
			      .target = "<= 1.5x",
			      .has_ratio = true,
			      .target_ratio = 1.5};
	snprintf(bulk_name, sizeof(bulk_name),
		 "TCP bulk through an echo server, %ld MiB each way at once", cfg.net_bulk_mib);
	*bulk = (struct figure){.name = bulk_name,
				.unit = "MB/s",
				.baseline = base,
				.target = ">= 0.8x",
				.has_ratio = true,
				.higher_is_better = true,
				.target_ratio = 0.8};
	*rt_exits = (struct figure){.name = "echo: exits per 1-byte round trip",
				    .unit = "exits",
				    .baseline = "none: --stats exits / round trips"};
	*rt_calls = (struct figure){.name = "echo: host system calls per 1-byte round trip",
				    .unit = "calls",
				    .baseline = "none: --stats exits + hypercalls / round trips"};
	for (int i = 0; i < cfg.net_runs; i++) {
		double ex, calls;
		add(&rt->base, echo_run(false, false, NULL, NULL));
		add(&rt->val, echo_run(true, false, &ex, &calls));
		add(&rt_exits->val, ex), add(&rt_calls->val, calls);
		add(&bulk->base, echo_run(false, true, NULL, NULL));
		add(&bulk->val, echo_run(true, true, NULL, NULL));
	}
	rt->base_value = median(&rt->base), bulk->base_value = median(&bulk->base);
	rt_exits->base_value = rt_calls->base_value = NAN;

	n += bench_wrk(&fs[n], HTTPD);
	if (cfg.lighttpd_host[0])
		n += bench_wrk(&fs[n], LIGHTTPD);

	/* Time to first response: spawn to the first 200. */
	struct figure *first = &fs[n++];
	*first = (struct figure){.name = "apps/httpd: spawn to the first HTTP answer",
				 .unit = "ms",
				 .baseline = "the native build spawned the same way",
				 .has_ratio = true};
	for (int i = 0; i < cfg.net_runs; i++)
		for (int guest = 0; guest < 2; guest++) {
			struct proc s;
			int port = net_port();
			http_start(&s, HTTPD, guest, port, false);
			add(guest ? &first->val : &first->base, wait_http(&s, port, "apps/httpd"));
			free(stop_server(&s, "apps/httpd", true));
		}
	first->base_value = median(&first->base);

	/* Many at once, each on its own port. */
	struct figure *many = &fs[n++], *rss = &fs[n++];
	snprintf(many_name, sizeof(many_name),
		 "%d httpd VMs started at once, each answering on its own port", cfg.vms);
	snprintf(rss_name, sizeof(rss_name), "%d httpd VMs: total RSS", cfg.vms);
	*many = (struct figure){.name = many_name,
				.unit = "ms",
				.baseline = "as many native httpd started the same way",
				.has_ratio = true};
	*rss = (struct figure){
	    .name = rss_name, .unit = "MiB", .baseline = "as many native httpd", .has_ratio = true};
	int reps = cfg.net_runs < 3 ? cfg.net_runs : 3;
	for (int i = 0; i < reps; i++) {
		double mib;
		add(&many->base, many_httpd(cfg.vms, false, &mib));
		add(&rss->base, mib);
		add(&many->val, many_httpd(cfg.vms, true, &mib));
		add(&rss->val, mib);
	}
	many->base_value = median(&many->base), rss->base_value = median(&rss->base);
	return n;
}
