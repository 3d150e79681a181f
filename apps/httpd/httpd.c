/*
 * httpd: a small static-file HTTP/1.1 server, of the kind users copy.
 *
 *   unikvm run -p 8080:8080 --dir ./site:/srv:ro httpd -- -r /srv
 *   httpd [-p PORT] [-r ROOT] [-a ADDR]      (defaults: 8080, ".", all addresses)
 *
 * It answers GET and HEAD for the regular files under ROOT (a directory's
 * index.html, never a listing), with Content-Length, Content-Type,
 * Last-Modified and If-Modified-Since (304), keep-alive and pipelining;
 * errors are 400 (malformed, a path above ROOT), 404, 405 (another
 * method), 414 (a target over 2 KiB) and 431 (a header section over
 * 8 KiB), each closing the connection. File bodies go out with sendfile.
 * One thread, one epoll set, every socket non-blocking: a slow client
 * (slowloris) holds only its own connection, and loses it after
 * IDLE_SECONDS without a complete request. Files answered in the last
 * FILE_CACHE_SECONDS stay open (the file cache below). One access-log line
 * per request goes to stdout, buffered and written before the server waits
 * for events: a busy server writes many lines at once, an idle one has
 * written them all. SIGTERM (or SIGINT) stops accepting, lets the answers
 * in flight finish, and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX 8192 /* bytes of a request line and its headers */
#define TARGET_MAX 2048 /* bytes of a request target */
#define CONN_MAX 4096
#define IDLE_SECONDS 10 /* to complete a request, or between two on one connection */
#define LOG_BUFFER 16384
#define FILE_CACHE 32
#define FILE_CACHE_SECONDS 1
#define SMALL_FILE 16384 /* bytes: a cached file this small is kept in memory too */

/* Files answered in the last FILE_CACHE_SECONDS, open, by request path: a
 * repeated request costs no open, fstat or close (the idea of lighttpd's
 * stat cache and nginx's open_file_cache). A file changed, replaced or
 * removed meanwhile is seen once its entry expires; one that shrinks under
 * an answer in flight ends that connection, as without the cache. An
 * entry an answer still sends from is closed after it. A file of at most
 * SMALL_FILE bytes is also read once, and its answers go out as one send
 * of the headers and the body. */
struct file_entry {
	char key[TARGET_MAX + 16]; /* the request's clean path */
	int fd;			   /* -1: a free entry */
	struct stat st;
	const char *type; /* Content-Type */
	time_t expires;
	int users;  /* answers sending from fd or data */
	char *data; /* the whole file when it is small; NULL: sent with sendfile */
};

struct conn {
	int fd;
	char peer[64];
	char in[HEADER_MAX];
	size_t in_len;
	char out[1024]; /* the response's status line and headers */
	size_t out_len, out_sent;
	int file;		  /* the body's file, -1 when none */
	struct file_entry *entry; /* the file cache's entry of file; NULL: file is ours */
	off_t file_off, file_end;
	bool close_after; /* Connection: close, HTTP/1.0, or an error answer */
	time_t deadline;  /* of the request being received */
};

static int root_fd, listen_fd = -1, epoll_fd;
static bool accepting; /* listen_fd is in the epoll set: not stopping, not full */
static volatile sig_atomic_t stopping;
static struct conn *conns[CONN_MAX];
static int nconns;
static struct file_entry files[FILE_CACHE];

/* The listening socket is in the epoll set while a connection fits. */
static void set_accepting(bool on)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (on != accepting && listen_fd >= 0)
		epoll_ctl(epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd, &ev);
	accepting = on && listen_fd >= 0;
}

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void http_date(char *buf, size_t len, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static const char *content_type(const char *path)
{
	static const char *const types[][2] = {
	    {".html", "text/html"}, {".htm", "text/html"},	{".txt", "text/plain"},
	    {".css", "text/css"},   {".js", "text/javascript"}, {".json", "application/json"},
	    {".png", "image/png"},  {".jpg", "image/jpeg"},	{".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

static void file_drop(struct file_entry *e)
{
	close(e->fd);
	free(e->data);
	e->fd = -1;
	e->data = NULL;
}

/* The whole of a small file, or NULL (then it goes out with sendfile). */
static char *read_small(int fd, off_t size)
{
	char *data = size > 0 && size <= SMALL_FILE ? malloc((size_t)size) : NULL;
	if (data && pread(fd, data, (size_t)size, 0) != size) {
		free(data);
		data = NULL;
	}
	return data;
}

/* The fresh entry of key, or NULL. Expired entries no answer uses are
 * closed on the way. */
static struct file_entry *file_lookup(const char *key, time_t t)
{
	for (int i = 0; i < FILE_CACHE; i++) {
		struct file_entry *e = &files[i];
		if (e->fd >= 0 && t >= e->expires && !e->users)
			file_drop(e);
		else if (e->fd >= 0 && t < e->expires && !strcmp(e->key, key))
			return e;
	}
	return NULL;
}

/* Keeps fd open for key; NULL (fd stays the caller's) when every entry is
 * in use. */
static struct file_entry *file_keep(const char *key, int fd, const struct stat *st,
				    const char *type, time_t t)
{
	for (int i = 0; i < FILE_CACHE; i++) {
		struct file_entry *e = &files[i];
		if (e->fd >= 0)
			continue; /* file_lookup dropped what had expired */
		*e = (struct file_entry){.fd = fd,
					 .st = *st,
					 .type = type,
					 .expires = t + FILE_CACHE_SECONDS,
					 .data = read_small(fd, st->st_size)};
		snprintf(e->key, sizeof(e->key), "%s", key);
		return e;
	}
	return NULL;
}

/* Opens path under the root: its fd and *st (st_mode 0 if fstat failed),
 * or -1. */
static int open_stat(const char *path, struct stat *st)
{
	int fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, st) < 0)
		st->st_mode = 0;
	return fd;
}

/* Opens the regular file at path under the root, or the index.html of the
 * directory there (appended to path): its fd and *st, or -1. */
static int open_file(char *path, struct stat *st)
{
	int fd = open_stat(path[0] ? path : ".", st);
	if (fd >= 0 && S_ISDIR(st->st_mode)) {
		close(fd);
		strcat(path, path[0] ? "/index.html" : "index.html");
		fd = open_stat(path, st);
	}
	if (fd >= 0 && !S_ISREG(st->st_mode)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Ends c's hold on its body's file. */
static void release_file(struct conn *c)
{
	if (c->file < 0)
		return;
	if (!c->entry)
		close(c->file);
	else if (--c->entry->users == 0 && now() >= c->entry->expires)
		file_drop(c->entry);
	c->file = -1;
	c->entry = NULL;
}

/* Decodes %XX escapes of target's path into out (without the query) and
 * resolves "." and ".." segments. Returns false for a malformed escape,
 * a NUL, or a ".." that would climb above the root. out is relative to the
 * root ("" for the root itself). */
static bool clean_path(const char *target, char *out, size_t outlen)
{
	char dec[TARGET_MAX + 1];
	size_t n = 0;
	if (target[0] != '/')
		return false;
	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			char hex[3] = {p[1], p[1] ? p[2] : 0, 0};
			char *end;
			c = (int)strtol(hex, &end, 16);
			if (end != hex + 2 || c == 0)
				return false;
			p += 2;
		}
		dec[n++] = (char)c;
	}
	dec[n] = '\0';
	size_t o = 0;
	for (char *save, *seg = strtok_r(dec, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			if (o == 0)
				return false;
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		size_t l = strlen(seg);
		if (o + (o > 0) + l + 1 > outlen)
			return false;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, seg, l);
		o += l;
	}
	out[o] = '\0';
	return true;
}

/* The value of header name in the request's header lines, or NULL. */
static const char *header(const char *headers, const char *name, char *val, size_t len)
{
	size_t nl = strlen(name);
	for (const char *l = headers; l && *l; l = strstr(l, "\r\n"), l = l ? l + 2 : NULL) {
		if (strncasecmp(l, name, nl) || l[nl] != ':')
			continue;
		const char *v = l + nl + 1, *e = strstr(v, "\r\n");
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = e ? (size_t)(e - v) : strlen(v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= len)
			vl = len - 1;
		memcpy(val, v, vl);
		val[vl] = '\0';
		return val;
	}
	return NULL;
}

/* The status line and headers; length < 0: no Content-Length (a 304). */
static void start_response(struct conn *c, int status, const char *reason, const char *extra,
			   long long length)
{
	char date[64], len[48] = "";
	http_date(date, sizeof(date), time(NULL));
	if (length >= 0)
		snprintf(len, sizeof(len), "Content-Length: %lld\r\n", length);
	c->out_len = (size_t)snprintf(
	    c->out, sizeof(c->out),
	    "HTTP/1.1 %d %s\r\nServer: unikvm-httpd\r\nDate: %s\r\n%s%s%s\r\n", status, reason,
	    date, len, extra, c->close_after ? "Connection: close\r\n" : "");
	c->out_sent = 0;
}

/* An answer without a file: its body is the reason phrase. */
static void error_response(struct conn *c, int status, const char *reason, const char *extra,
			   bool head)
{
	c->close_after = c->close_after || status >= 400;
	char more[256];
	snprintf(more, sizeof(more), "%sContent-Type: text/plain\r\n", extra);
	start_response(c, status, reason, more, (long long)strlen(reason) + 1);
	if (!head)
		c->out_len += (size_t)snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
					       "%s\n", reason);
}

static void log_request(const struct conn *c, const char *line, int status, long long bytes)
{
	printf("%s \"%.300s\" %d %lld\n", c->peer, line, status, bytes);
}

/* Handles the complete request in c->in[0..hlen) and prepares its answer. */
static void handle_request(struct conn *c, size_t hlen)
{
	c->in[hlen - 2] = '\0'; /* the request line and headers, ending at the last CRLF */
	char *headers = strstr(c->in, "\r\n");
	char line[HEADER_MAX];
	snprintf(line, sizeof(line), "%.*s", headers ? (int)(headers - c->in) : (int)strlen(c->in),
		 c->in);
	headers = headers ? headers + 2 : c->in + strlen(c->in);

	/* METHOD SP TARGET SP HTTP/1.x, nothing more */
	char *method = line, *target = strchr(line, ' '), *version = NULL;
	if (target) {
		*target++ = '\0';
		if ((version = strchr(target, ' ')))
			*version++ = '\0';
	}
	bool head = !strcmp(method, "HEAD");
	int status;
	if (!version || !*method || !*target || strchr(version, ' ') ||
	    strncmp(version, "HTTP/1.", 7) || !version[7] || version[8]) {
		status = 400;
		error_response(c, status, "Bad Request", "", false);
	} else if (strlen(target) > TARGET_MAX) {
		status = 414;
		error_response(c, status, "URI Too Long", "", head);
	} else if (strcmp(method, "GET") && !head) {
		status = 405;
		error_response(c, status, "Method Not Allowed", "Allow: GET, HEAD\r\n", false);
	} else {
		char val[128], path[TARGET_MAX + 16];
		bool v10 = !strcmp(version, "HTTP/1.0");
		const char *conn_hdr = header(headers, "Connection", val, sizeof(val));
		c->close_after = conn_hdr ? !strcasecmp(conn_hdr, "close") ||
						(v10 && strcasecmp(conn_hdr, "keep-alive"))
					  : v10;
		struct stat st;
		struct file_entry *e = NULL;
		int fd = -1;
		if (!clean_path(target, path, sizeof(path) - 11)) {
			status = 400;
			error_response(c, status, "Bad Request", "", head);
		} else {
			time_t t = now();
			const char *type = NULL;
			if ((e = file_lookup(path, t))) {
				fd = e->fd;
				st = e->st;
				type = e->type;
			} else {
				char key[sizeof(path)];
				snprintf(key, sizeof(key), "%s", path);
				if ((fd = open_file(path, &st)) >= 0)
					e = file_keep(key, fd, &st, type = content_type(path), t);
			}
			if (fd < 0) {
				status = 404;
				error_response(c, status, "Not Found", "", head);
			} else {
				char lm[64], more[256];
				struct tm since;
				http_date(lm, sizeof(lm), st.st_mtime);
				snprintf(more, sizeof(more),
					 "Content-Type: %s\r\nLast-Modified: %s\r\n", type, lm);
				const char *ims =
				    header(headers, "If-Modified-Since", val, sizeof(val));
				memset(&since, 0, sizeof(since));
				const char *end =
				    ims ? strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &since) : NULL;
				if (end && !*end && st.st_mtime <= timegm(&since)) {
					status = 304;
					start_response(c, status, "Not Modified", more, -1);
				} else {
					status = 200;
					start_response(c, status, "OK", more,
						       (long long)st.st_size);
					if (!head && st.st_size > 0) {
						c->file = fd;
						c->entry = e;
						c->file_off = 0;
						c->file_end = st.st_size;
						if (e)
							e->users++;
						fd = -1;
					}
				}
			}
		}
		if (fd >= 0 && !e)
			close(fd);
	}
	if (version) /* the request line, whole again for the log */
		version[-1] = ' ';
	if (target)
		target[-1] = ' ';
	log_request(c, line, status, c->file >= 0 ? (long long)c->file_end : 0);
	memmove(c->in, c->in + hlen, c->in_len - hlen);
	c->in_len -= hlen;
}

static void conn_close(struct conn *c)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	release_file(c);
	for (int i = 0; i < nconns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
	free(c);
	set_accepting(!stopping);
}

/* Sends what is pending. Returns 1 when the answer is out, 0 when the
 * socket is full, -1 when the connection is gone. */
static int flush(struct conn *c)
{
	const char *body = c->entry ? c->entry->data : NULL; /* a small file, in memory */
	while (c->out_sent < c->out_len || (body && c->file_off < c->file_end)) {
		struct iovec iov[2] = {{c->out + c->out_sent, c->out_len - c->out_sent},
				       {body ? (char *)body + c->file_off : NULL,
					body ? (size_t)(c->file_end - c->file_off) : 0}};
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
		ssize_t n =
		    sendmsg(c->fd, &m, MSG_NOSIGNAL | (c->file >= 0 && !body ? MSG_MORE : 0));
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		size_t head = iov[0].iov_len < (size_t)n ? iov[0].iov_len : (size_t)n;
		c->out_sent += head;
		c->file_off += (off_t)((size_t)n - head);
	}
	while (c->file >= 0 && !body && c->file_off < c->file_end) {
		ssize_t n =
		    sendfile(c->fd, c->file, &c->file_off, (size_t)(c->file_end - c->file_off));
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0) /* the file shrank under us: the length is a lie now */
			return -1;
	}
	release_file(c);
	c->deadline = now() + IDLE_SECONDS; /* for the next request */
	return 1;
}

/* Serves c after an event: reads, answers complete requests (pipelined
 * ones in order), and closes it when it is done or broken. */
static void serve(struct conn *c)
{
	for (;;) {
		int r = flush(c);
		if (r < 0 || (r > 0 && c->close_after) || (r > 0 && stopping)) {
			conn_close(c);
			return;
		}
		if (r == 0)
			return; /* EPOLLOUT brings us back */
		char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (end) {
			handle_request(c, (size_t)(end - c->in) + 4);
			c->deadline = now() + IDLE_SECONDS;
			continue;
		}
		if (c->in_len == sizeof(c->in)) {
			c->in_len = 0;
			error_response(c, 431, "Request Header Fields Too Large", "", false);
			log_request(c, "-", 431, 0);
			continue;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			return;
		c->in_len += (size_t)n;
	}
}

static void accept_all(void)
{
	for (;;) {
		if (nconns == CONN_MAX) {
			set_accepting(false); /* until one closes */
			return;
		}
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		int fd =
		    accept4(listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
				fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
			return;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->file = -1;
		c->deadline = now() + IDLE_SECONDS;
		char host[INET6_ADDRSTRLEN] = "?";
		void *a = sa.ss_family == AF_INET6
			      ? (void *)&((struct sockaddr_in6 *)&sa)->sin6_addr
			      : (void *)&((struct sockaddr_in *)&sa)->sin_addr;
		inet_ntop(sa.ss_family, a, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "%s", host);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					 .data.ptr = c};
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		conns[nconns++] = c;
	}
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in sa4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	bool v6 = !addr || strchr(addr, ':');
	if (addr && (v6 ? inet_pton(AF_INET6, addr, &sa6.sin6_addr)
			: inet_pton(AF_INET, addr, &sa4.sin_addr)) != 1) {
		fprintf(stderr, "httpd: -a %s: not an IPv4 or IPv6 address\n", addr);
		return -1;
	}
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && !addr && errno == EAFNOSUPPORT) { /* a host without IPv6 */
		v6 = false;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	int one = 1, zero = 0;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (v6 && !addr && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero))) ||
	    bind(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa4,
		 v6 ? sizeof(sa6) : sizeof(sa4)) ||
	    listen(fd, 511)) {
		fprintf(stderr, "httpd: cannot listen on port %d: %s\n", port, strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *root = ".", *addr = NULL;
	int port = 8080, opt;
	while ((opt = getopt(argc, argv, "p:r:a:h")) != -1) {
		char *end;
		switch (opt) {
		case 'p':
			port = (int)strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				fprintf(stderr, "httpd: -p %s: not a port (1..65535)\n", optarg);
				return 2;
			}
			break;
		case 'r':
			root = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		default:
			fprintf(stderr, "usage: httpd [-p PORT] [-r ROOT] [-a ADDR]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "httpd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if ((root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "httpd: -r %s: %s\n", root, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOFBF, LOG_BUFFER);
	for (int i = 0; i < FILE_CACHE; i++)
		files[i].fd = -1;
	/* sendfile has no MSG_NOSIGNAL: a client that went away mid-body must
	 * be EPIPE for that connection, not the server's death (status 141). */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: epoll_pwait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &wait_mask); /* delivered only inside epoll_pwait */

	if ((listen_fd = listen_on(addr, port)) < 0 ||
	    (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	set_accepting(true);
	printf("httpd: serving %s on port %d\n", root, port);

	while (!stopping || nconns > 0) {
		struct epoll_event evs[64];
		fflush(stdout); /* the access log, before waiting */
		int n = epoll_pwait(epoll_fd, evs, 64, nconns ? 1000 : -1, &wait_mask);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "httpd: epoll_pwait: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all();
			else
				serve(evs[i].data.ptr);
		}
		if (stopping && listen_fd >= 0) { /* stop accepting; idle connections end now */
			set_accepting(false);
			close(listen_fd);
			listen_fd = -1;
			for (int i = nconns - 1; i >= 0; i--)
				if (conns[i]->in_len == 0 &&
				    conns[i]->out_sent == conns[i]->out_len && conns[i]->file < 0)
					conn_close(conns[i]);
		}
		time_t t = now();
		for (int i = nconns - 1; i >= 0; i--)
			if (conns[i]->out_sent == conns[i]->out_len && conns[i]->file < 0 &&
			    t >= conns[i]->deadline)
				conn_close(conns[i]);
	}
	printf("httpd: stopped\n");
	return 0;
}
