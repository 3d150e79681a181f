/*
 * kvstore: a small persistent key-value store on disk 0, driven from stdin
 * or, with -l PORT, over TCP by many clients at once.
 *
 *   unikvm run --disk store.img kvstore < commands
 *   unikvm run --disk store.img -p 7000:7000 kvstore -- -l 7000
 *
 * Commands, one per line:  put KEY VALUE | get KEY | del KEY | list | stats
 * Output: "OK", the value, "not found", or "error: ...". Every put and del
 * is flushed (durable on the host) before "OK" is printed. Over TCP each
 * connection has its own lines and answers, served in the order they come
 * (one epoll loop; the disk requests of one command complete before the
 * next command runs); SIGTERM ends the server with 0.
 *
 * Layout: sector 0 is a header; every other sector holds one record, found
 * by hashing the key and probing linearly (a hash table on disk: nothing
 * to rebuild at start). `list` reads the whole table with 32 requests in
 * flight through the asynchronous API.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unikvm/blk.h>
#include <unistd.h>

#define SECTOR 512
#define MAGIC "UKVMKV01"
#define KEY_MAX 63
#define VALUE_MAX 400
#define QD 32

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_DELETED = 2 };

struct record {
	uint32_t state; /* SLOT_* */
	uint32_t check; /* hash of the rest, so a garbage sector reads as empty */
	uint16_t key_len, value_len;
	char key[KEY_MAX + 1];
	char value[VALUE_MAX + 1];
};
_Static_assert(sizeof(struct record) <= SECTOR, "a record fits in a sector");

union sector {
	struct record rec;
	struct {
		char magic[8];
		uint64_t slots;
	} header;
	char bytes[SECTOR];
};

static uint64_t nslots; /* records: sectors 1..nslots */
static FILE *out;	/* where the answers of the command being run go */

static uint32_t fnv1a(const void *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 16777619u;
	return h;
}

static uint32_t record_check(const struct record *r)
{
	return fnv1a(&r->key_len, sizeof(*r) - offsetof(struct record, key_len)) ^ r->state;
}

static int record_valid(const struct record *r)
{
	return r->state != SLOT_EMPTY && r->check == record_check(r) && r->key_len <= KEY_MAX &&
	       r->value_len <= VALUE_MAX;
}

static int io_error(const char *what, int st)
{
	fprintf(out, "error: %s: %s\n", what, blk_strstatus(st));
	return -1;
}

static int open_store(void)
{
	struct blk_info info;
	union sector s;
	int st;

	if (blk_info(0, &info)) {
		printf("error: no disk (run with --disk FILE)\n");
		return -1;
	}
	if (info.sector_size != SECTOR || info.sectors < 2 || info.read_only) {
		printf("error: disk 0 must be writable, with 512-byte sectors, at least 1 KiB\n");
		return -1;
	}
	if ((st = blk_read(0, 0, &s, SECTOR)))
		return io_error("read header", st);
	if (memcmp(s.header.magic, MAGIC, 8) == 0 && s.header.slots == info.sectors - 1) {
		nslots = s.header.slots;
		return 0;
	}
	/* A new store: empty records everywhere, then the header. */
	static union sector zero[QD];
	memset(zero, 0, sizeof(zero));
	for (uint64_t sec = 1; sec < info.sectors; sec += QD) {
		uint64_t n = info.sectors - sec < QD ? info.sectors - sec : QD;
		if ((st = blk_write(0, sec, zero, n * SECTOR)))
			return io_error("format", st);
	}
	memset(&s, 0, sizeof(s));
	memcpy(s.header.magic, MAGIC, 8);
	s.header.slots = info.sectors - 1;
	if ((st = blk_write(0, 0, &s, SECTOR)) || (st = blk_flush(0)))
		return io_error("format", st);
	nslots = s.header.slots;
	fprintf(stderr, "kvstore: new store with %llu slots\n", (unsigned long long)nslots);
	return 0;
}

/* The slot holding key (*found = 1), else the first free one on its probe
 * path (*found = 0); -1 if the table is full or on an error. */
static int64_t find(const char *key, union sector *s, int *found)
{
	size_t len = strlen(key);
	uint64_t first_free = 0, h = fnv1a(key, len) % nslots;

	*found = 0;
	for (uint64_t i = 0; i < nslots; i++) {
		uint64_t slot = 1 + (h + i) % nslots;
		int st = blk_read(0, slot, s, SECTOR);
		if (st)
			return io_error("read", st);
		const struct record *r = &s->rec;
		if (!record_valid(r) || r->state == SLOT_DELETED) {
			if (!first_free)
				first_free = slot;
			if (!record_valid(r))
				break; /* never used: the key is not further on */
			continue;
		}
		if (r->key_len == len && !memcmp(r->key, key, len)) {
			*found = 1;
			return (int64_t)slot;
		}
	}
	return first_free ? (int64_t)first_free : -1;
}

static int write_record(int64_t slot, struct record *r)
{
	union sector s;
	memset(&s, 0, sizeof(s));
	r->check = record_check(r);
	s.rec = *r;
	int st = blk_write(0, (uint64_t)slot, &s, SECTOR);
	if (st == 0)
		st = blk_flush(0);
	return st ? io_error("write", st) : 0;
}

static void cmd_put(const char *key, const char *value)
{
	union sector s;
	int found;
	struct record r = {.state = SLOT_USED};

	if (strlen(key) > KEY_MAX || strlen(value) > VALUE_MAX) {
		fprintf(out, "error: key over %d or value over %d bytes\n", KEY_MAX, VALUE_MAX);
		return;
	}
	int64_t slot = find(key, &s, &found);
	if (slot < 0) {
		fprintf(out, "error: the store is full\n");
		return;
	}
	r.key_len = (uint16_t)strlen(key);
	r.value_len = (uint16_t)strlen(value);
	memcpy(r.key, key, r.key_len);
	memcpy(r.value, value, r.value_len);
	if (write_record(slot, &r) == 0)
		fprintf(out, "OK\n");
}

static void cmd_get(const char *key)
{
	union sector s;
	int found;
	int64_t slot = find(key, &s, &found);
	if (slot >= 0 && found)
		fprintf(out, "%.*s\n", s.rec.value_len, s.rec.value);
	else
		fprintf(out, "not found\n");
}

static void cmd_del(const char *key)
{
	union sector s;
	int found;
	int64_t slot = find(key, &s, &found);
	if (slot < 0 || !found) {
		fprintf(out, "not found\n");
		return;
	}
	s.rec.state = SLOT_DELETED;
	if (write_record(slot, &s.rec) == 0)
		fprintf(out, "OK\n");
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct record *)a)->key, ((const struct record *)b)->key);
}

/* Reads every slot with QD requests in flight; prints the live records
 * sorted by key ("KEY VALUE"), or only their number. */
static void cmd_list(int count_only)
{
	static union sector buf[QD];
	struct record *live = malloc(nslots * sizeof(*live));
	uint64_t next = 1, nlive = 0;
	int busy = 0, failed = 0, inuse[QD] = {0};

	if (!live) {
		fprintf(out, "error: out of memory\n");
		return;
	}
	while (next <= nslots || busy) {
		for (int q = 0; q < QD && next <= nslots; q++) {
			if (!inuse[q] &&
			    blk_submit(0, BLK_OP_READ, next, &buf[q], SECTOR, (uint64_t)q) == 0) {
				inuse[q] = 1;
				next++;
				busy++;
			}
		}
		struct blk_completion c[QD];
		int k = blk_wait(0, c, QD);
		for (int i = 0; i < k; i++) {
			const struct record *r = &buf[c[i].cookie].rec;
			if (c[i].status)
				failed = c[i].status;
			else if (record_valid(r) && r->state == SLOT_USED)
				live[nlive++] = *r;
			inuse[c[i].cookie] = 0;
			busy--;
		}
		if (k < 0)
			break;
	}
	if (failed)
		io_error("list", failed);
	qsort(live, nlive, sizeof(*live), by_key);
	if (count_only)
		fprintf(out, "%llu keys in %llu slots\n", (unsigned long long)nlive,
			(unsigned long long)nslots);
	else
		for (uint64_t i = 0; i < nlive; i++)
			fprintf(out, "%s %.*s\n", live[i].key, live[i].value_len, live[i].value);
	free(live);
}

/* Runs one command line (without its newline); the answer goes to out. */
static void run_line(char *line)
{
	char *save, *cmd = strtok_r(line, " ", &save);
	char *key = strtok_r(NULL, " ", &save);
	char *value = strtok_r(NULL, "", &save);
	if (!cmd)
		return;
	if (!strcmp(cmd, "put") && key && value)
		cmd_put(key, value);
	else if (!strcmp(cmd, "get") && key && !value)
		cmd_get(key);
	else if (!strcmp(cmd, "del") && key && !value)
		cmd_del(key);
	else if (!strcmp(cmd, "list") && !key)
		cmd_list(0);
	else if (!strcmp(cmd, "stats") && !key)
		cmd_list(1);
	else
		fprintf(out, "error: commands: put KEY VALUE, get KEY, del KEY, list, stats\n");
}

/* ---- -l PORT: the same commands over TCP ---- */

#define LINE_MAX_BYTES 1024

struct client {
	int fd;
	char in[LINE_MAX_BYTES];
	size_t in_len;
	char *pending; /* answers not yet sent */
	size_t pending_len, pending_off;
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void client_close(int ep, struct client *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->pending);
	free(c);
}

/* Runs every complete line of c, then sends the answers; 0, or -1 when
 * the client is gone (closed here). */
static int client_serve(int ep, struct client *c)
{
	for (;;) {
		while (c->pending_off < c->pending_len) {
			ssize_t n = send(c->fd, c->pending + c->pending_off,
					 c->pending_len - c->pending_off, MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN)
				return 0; /* EPOLLOUT brings us back */
			if (n < 0)
				goto gone;
			c->pending_off += (size_t)n;
		}
		char *nl = memchr(c->in, '\n', c->in_len);
		if (nl) {
			size_t len = (size_t)(nl - c->in) + 1;
			*nl = '\0';
			if (nl > c->in && nl[-1] == '\r')
				nl[-1] = '\0';
			free(c->pending);
			c->pending = NULL;
			c->pending_off = 0;
			out = open_memstream(&c->pending, &c->pending_len);
			if (!out)
				goto gone;
			run_line(c->in);
			fclose(out);
			memmove(c->in, c->in + len, c->in_len - len);
			c->in_len -= len;
			continue;
		}
		if (c->in_len == sizeof(c->in)) {
			static const char msg[] = "error: a line over 1023 bytes\n";
			send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
			goto gone;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			goto gone;
		c->in_len += (size_t)n;
	}
gone:
	client_close(ep, c);
	return -1;
}

static int serve_tcp(int port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	int one = 1, zero = 0;
	int lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
	if (lfd < 0 || ep < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 128) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev)) {
		fprintf(stderr, "kvstore: cannot listen on port %d: %s\n", port, strerror(errno));
		return 1;
	}
	struct sigaction act = {.sa_handler = on_stop}; /* no SA_RESTART */
	sigset_t block, wait_mask;
	sigaction(SIGTERM, &act, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask); /* delivered inside epoll_pwait only */
	fprintf(stderr, "kvstore: serving on port %d\n", port);
	while (!stopping) {
		struct epoll_event evs[64];
		int n = epoll_pwait(ep, evs, 64, -1, &wait_mask);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr) {
				client_serve(ep, evs[i].data.ptr);
				continue;
			}
			int fd;
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				struct client *c = calloc(1, sizeof(*c));
				struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
							 .data.ptr = c};
				if (!c || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
					free(c);
					close(fd);
					continue;
				}
				c->fd = fd;
			}
		}
	}
	fprintf(stderr, "kvstore: stopped\n");
	return 0;
}

int main(int argc, char **argv)
{
	char line[LINE_MAX_BYTES];
	int port = 0;

	if (argc == 3 && !strcmp(argv[1], "-l")) {
		char *end;
		port = (int)strtol(argv[2], &end, 10);
		if (*end || port < 1 || port > 65535) {
			fprintf(stderr, "kvstore: -l %s: not a port (1..65535)\n", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: kvstore [-l PORT]   (commands on stdin, or over TCP)\n");
		return 2;
	}
	out = stdout;
	if (open_store())
		return 1;
	if (port)
		return serve_tcp(port);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		run_line(line);
		fflush(stdout);
	}
	return 0;
}
