/*
 * fuzz_seeds TARGET DIR: writes the seeds of a fuzz target that speaks the
 * guest ABI into DIR, in the target's input format (inputs.h); the driver
 * tests/fuzz/fuzz runs it before each of them.
 *
 *   hypercall  one valid call of every hypercall of the ABI list
 *              (UKVM_HYPERCALLS), each file named after its hypercall
 *   blk        in-order ring indices on a 4096-sector disk, and with them
 *              a read, a write and a flush
 *   files      call sequences through fuzz_files' table (files_calls[]):
 *              file I/O, create, escapes by open and by name, the
 *              read-only mapping, directories, attributes through links,
 *              long paths, the handle table
 *
 * Every argument is a designated initializer of the struct the list gives
 * for its hypercall. Exits 1, saying why, unless every hypercall of the
 * list got a seed, every row of files_calls[] is called by a files seed,
 * and the fs_* hypercalls of the list are exactly the rows of that table.
 * Built in the fuzz build, without libFuzzer and the sanitizers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"

static const char *out_dir;
static unsigned written; /* seed files */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_seeds: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void write_seed(const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fail("%s: %s", path, strerror(errno));
	written++;
}

/* The hypercalls of the list: their numbers and names. */
static const struct {
	unsigned nr;
	const char *name;
} hc_list[] = {
#define HC_LIST_ROW(nr, NAME, name, type) {nr, #name},
    UKVM_HYPERCALLS(HC_LIST_ROW)
#undef HC_LIST_ROW
};
#define HC_LIST_ROWS (sizeof(hc_list) / sizeof(hc_list[0]))

/* ---- hypercall: one valid call of each -----------------------------------
 * On fuzz_hypercall's VM (RAM, no disk, no --dir: the block and file calls
 * answer -ENODEV, -ENOENT or -EBADF). Guest RAM from HC_ARENA on: the
 * argument at 0, what it points at from DATA1 and DATA2 on, a block ring at
 * RING; RAM the target has zeroed needs no bytes in the seed. */
#define DATA1 0x100
#define DATA2 0x200
#define RING 0x1000			  /* 64-byte aligned */
#define FILE_HANDLE UKVM_FS_STDIO_HANDLES /* the first file handle */

#define HC_ARG_MEMBER(nr, NAME, name, type) char NAME[sizeof(struct type)];
union hc_any_arg {
	UKVM_HYPERCALLS(HC_ARG_MEMBER)
};
#undef HC_ARG_MEMBER
_Static_assert(sizeof(union hc_any_arg) <= DATA1, "every argument struct fits below DATA1");
_Static_assert(HC_ARENA + RING + sizeof(struct ukvm_blk_ring) <= HC_MEM, "the ring is in RAM");
_Static_assert(HC_ARENA + 2 * RING + sizeof(struct ukvm_net_events) <= HC_MEM,
	       "the event page is in RAM");

struct ram {
	uint8_t b[RING];
	size_t used;
};

/* Puts len bytes at off in the arena: their guest address. */
static ukvm_gpa_t ram_put(struct ram *r, size_t off, const void *p, size_t len)
{
	if (off + len > sizeof(r->b))
		fail("hypercall seed: 0x%zx bytes at 0x%zx past the arena", len, off);
	memcpy(r->b + off, p, len);
	if (off + len > r->used)
		r->used = off + len;
	return HC_ARENA + off;
}

static ukvm_gpa_t at(size_t off)
{
	return HC_ARENA + off;
}

/* A path in mapping 0 whose bytes are at off. */
static struct ukvm_fs_path fs_path(struct ram *r, size_t off, const char *s)
{
	return (struct ukvm_fs_path){
	    .mount = 0, .len = (uint32_t)strlen(s), .path = ram_put(r, off, s, strlen(s))};
}

/* One iovec at DATA1 for [DATA2, +len), holding data unless it is NULL. */
static ukvm_gpa_t iovec1(struct ram *r, const char *data, size_t len)
{
	struct ukvm_iovec v = {.base = data ? ram_put(r, DATA2, data, len) : at(DATA2), .len = len};
	return ram_put(r, DATA1, &v, sizeof(v));
}

static struct ukvm_hc_exit arg_exit(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_exit){.status = 3};
}

static struct ukvm_hc_writev arg_writev(struct ram *r)
{
	return (struct ukvm_hc_writev){.fd = 1, .iovcnt = 1, .iov = iovec1(r, "hello", 5)};
}

static struct ukvm_hc_read arg_read(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_read){.fd = 0, .buf = at(DATA2), .len = 16};
}

static struct ukvm_hc_crash arg_crash(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_crash){.kind = UKVM_CRASH_EXCEPTION, .info = 14 /* #PF */};
}

static struct ukvm_hc_nosys arg_nosys(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_nosys){.nr = 39 /* getpid */, .rip = UKVM_IMAGE_BASE};
}

static struct ukvm_hc_clock arg_clock(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_clock){.tsc_khz = 0}; /* all OUT */
}

static struct ukvm_hc_deadlock arg_deadlock(struct ram *r)
{
	struct ukvm_thread_wait w = {
	    .tid = 1, .what = UKVM_WAIT_FUTEX, .addr = at(DATA2), .rip = UKVM_IMAGE_BASE};
	return (struct ukvm_hc_deadlock){
	    .count = 1, .total = 1, .threads = ram_put(r, DATA1, &w, sizeof(w))};
}

static struct ukvm_hc_halts arg_halts(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_halts){.count = 0}; /* all OUT */
}

static struct ukvm_hc_blk_info arg_blk_info(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_blk_info){.disk = 0};
}

static struct ukvm_hc_blk_setup arg_blk_setup(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_blk_setup){.disk = 0, .ring = at(RING)};
}

static struct ukvm_hc_blk_serve arg_blk_serve(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_blk_serve){.disk = 0};
}

static struct ukvm_hc_fs_mount arg_fs_mount(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_mount){.index = 0, .path = at(DATA2), .len = 64};
}

static struct ukvm_hc_fs_path arg_fs_open(struct ram *r)
{
	return (struct ukvm_hc_fs_path){.p = fs_path(r, DATA1, "f"), .flags = O_RDONLY};
}

static struct ukvm_hc_fs_handle arg_fs_close(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_handle){.handle = FILE_HANDLE};
}

static struct ukvm_hc_fs_io arg_fs_preadv(struct ram *r)
{
	return (struct ukvm_hc_fs_io){
	    .handle = FILE_HANDLE, .iovcnt = 1, .iov = iovec1(r, NULL, 16), .offset = -1};
}

static struct ukvm_hc_fs_io arg_fs_pwritev(struct ram *r)
{
	return (struct ukvm_hc_fs_io){
	    .handle = FILE_HANDLE, .iovcnt = 1, .iov = iovec1(r, "hello", 5), .offset = 0};
}

static struct ukvm_hc_fs_handle arg_fs_seek(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_handle){.handle = FILE_HANDLE, .op = SEEK_SET, .arg = 0};
}

static struct ukvm_hc_fs_stat arg_fs_stat(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_stat){.handle = 1 /* the VMM's stdout */, .st = at(DATA2)};
}

static struct ukvm_hc_fs_buf arg_fs_getdents(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_buf){.handle = FILE_HANDLE, .buf = at(DATA2), .len = 4096};
}

static struct ukvm_hc_fs_path arg_fs_mkdir(struct ram *r)
{
	return (struct ukvm_hc_fs_path){.p = fs_path(r, DATA1, "d"), .mode = 0755};
}

static struct ukvm_hc_fs_path arg_fs_unlink(struct ram *r)
{
	return (struct ukvm_hc_fs_path){.p = fs_path(r, DATA1, "f")};
}

static struct ukvm_hc_fs_rename arg_fs_rename(struct ram *r)
{
	return (struct ukvm_hc_fs_rename){.from = fs_path(r, DATA1, "f"),
					  .to = fs_path(r, DATA2, "g")};
}

static struct ukvm_hc_fs_handle arg_fs_truncate(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_handle){.handle = FILE_HANDLE, .arg = 0};
}

static struct ukvm_hc_fs_handle arg_fs_fsync(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_handle){.handle = FILE_HANDLE, .op = 1 /* data only */};
}

static struct ukvm_hc_fs_path arg_fs_access(struct ram *r)
{
	return (struct ukvm_hc_fs_path){.p = fs_path(r, DATA1, "f"), .mode = R_OK};
}

static struct ukvm_hc_fs_readlink arg_fs_readlink(struct ram *r)
{
	return (struct ukvm_hc_fs_readlink){
	    .p = fs_path(r, DATA1, "l"), .buf = at(DATA2), .len = 256};
}

static struct ukvm_hc_fs_buf arg_random(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_buf){.buf = at(DATA2), .len = 16};
}

static struct ukvm_hc_poll_stdin arg_poll_stdin(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_poll_stdin){.timeout_ms = 0};
}

static struct ukvm_hc_fs_attr arg_fs_chmod(struct ram *r)
{
	return (struct ukvm_hc_fs_attr){.handle = -1, .p = fs_path(r, DATA1, "f"), .mode = 0600};
}

static struct ukvm_hc_fs_attr arg_fs_utimens(struct ram *r)
{
	return (struct ukvm_hc_fs_attr){
	    .handle = -1, .p = fs_path(r, DATA1, "f"), .times = {1, 0, 2, 0}};
}

static struct ukvm_hc_fs_symlink arg_fs_symlink(struct ram *r)
{
	return (struct ukvm_hc_fs_symlink){
	    .target = ram_put(r, DATA1, "f", 1), .target_len = 1, .p = fs_path(r, DATA2, "l")};
}

static struct ukvm_hc_fs_rename arg_fs_link(struct ram *r)
{
	return (struct ukvm_hc_fs_rename){.from = fs_path(r, DATA1, "f"),
					  .to = fs_path(r, DATA2, "h")};
}

static struct ukvm_hc_fs_statfs arg_fs_statfs(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_fs_statfs){.handle = 2 /* the VMM's stderr */, .sfs = at(DATA2)};
}

/* The network calls on fuzz_hypercall's VM (--network none: socket is
 * -EACCES, a handle -EBADF). An IPv4 address: 127.0.0.1:8080. */
static struct ukvm_sockaddr net_addr4(void)
{
	struct ukvm_sockaddr a = {.len = 16};
	static const uint8_t sin[16] = {2, 0, 0x1f, 0x90, 127, 0, 0, 1};
	memcpy(a.data, sin, sizeof(sin));
	return a;
}

static struct ukvm_hc_net_socket arg_net_socket(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_socket){.domain = 2 /* AF_INET */, .type = 1 /* SOCK_STREAM */};
}

static struct ukvm_hc_net_addr arg_net_bind(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_addr){.handle = 1, .addr = net_addr4()};
}

static struct ukvm_hc_net_addr arg_net_connect(struct ram *r)
{
	return arg_net_bind(r);
}

static struct ukvm_hc_net_addr arg_net_getsockname(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_addr){.handle = 1};
}

static struct ukvm_hc_net_addr arg_net_getpeername(struct ram *r)
{
	return arg_net_getsockname(r);
}

static struct ukvm_hc_net_handle arg_net_listen(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_handle){.handle = 1, .arg = 16};
}

static struct ukvm_hc_net_handle arg_net_shutdown(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_handle){.handle = 1, .arg = 2 /* SHUT_RDWR */};
}

static struct ukvm_hc_net_handle arg_net_close(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_handle){.handle = 1};
}

static struct ukvm_hc_net_handle arg_net_fionread(struct ram *r)
{
	return arg_net_close(r);
}

static struct ukvm_hc_net_accept arg_net_accept(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_accept){.handle = 1};
}

static struct ukvm_hc_net_msg arg_net_sendmsg(struct ram *r)
{
	return (struct ukvm_hc_net_msg){
	    .handle = 1, .iov = iovec1(r, "ping", 4), .iovcnt = 1, .addr = net_addr4()};
}

static struct ukvm_hc_net_msg arg_net_recvmsg(struct ram *r)
{
	return (struct ukvm_hc_net_msg){.handle = 1, .iov = iovec1(r, NULL, 64), .iovcnt = 1};
}

static struct ukvm_hc_net_sockopt arg_net_getsockopt(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_sockopt){
	    .handle = 1, .level = 1 /* SOL_SOCKET */, .name = 4 /* SO_ERROR */, .len = 4};
}

static struct ukvm_hc_net_sockopt arg_net_setsockopt(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_sockopt){.handle = 1,
					    .level = 1 /* SOL_SOCKET */,
					    .name = 2 /* SO_REUSEADDR */,
					    .len = 4,
					    .val = {1}};
}

static struct ukvm_hc_net_sendfile arg_net_sendfile(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_sendfile){.sock = 1, .fs_handle = FILE_HANDLE, .count = 16};
}

static struct ukvm_hc_net_ev_setup arg_net_ev_setup(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_ev_setup){.events = at(2 * RING),
					     .size = sizeof(struct ukvm_net_events)};
}

static struct ukvm_hc_net_etc arg_net_etc(struct ram *r)
{
	(void)r;
	return (struct ukvm_hc_net_etc){
	    .which = UKVM_NET_ETC_RESOLV_CONF, .buf = at(DATA2), .len = 64};
}

/* seed_NAME: the argument of hypercall NAME at the start of the arena. A
 * hypercall of the list without an arg_NAME above fails the build. */
#define HC_SEED(nr, NAME, name, type)                                                              \
	static void seed_##name(struct ram *r)                                                     \
	{                                                                                          \
		struct type a = arg_##name(r);                                                     \
		ram_put(r, 0, &a, sizeof(a));                                                      \
	}
UKVM_HYPERCALLS(HC_SEED)
#undef HC_SEED

static void seeds_hypercall(void)
{
	static void (*const seed[])(struct ram * r) = {
#define HC_SEED_ROW(nr, NAME, name, type) seed_##name,
	    UKVM_HYPERCALLS(HC_SEED_ROW)
#undef HC_SEED_ROW
	};
	_Static_assert(sizeof(seed) / sizeof(seed[0]) == HC_LIST_ROWS, "a seed per row");
	_Static_assert(HC_ARENA <= UINT32_MAX, "the arena's address is 4 bytes");
	for (size_t i = 0; i < HC_LIST_ROWS; i++) {
		static struct ram r;
		uint8_t head[HC_HEAD] = {(uint8_t)hc_list[i].nr, HC_ARENA & 0xff,
					 (HC_ARENA >> 8) & 0xff, (HC_ARENA >> 16) & 0xff,
					 (HC_ARENA >> 24) & 0xff};
		static uint8_t buf[HC_HEAD + sizeof(r.b)];
		memset(&r, 0, sizeof(r));
		seed[i](&r);
		memcpy(buf, head, sizeof(head));
		memcpy(buf + sizeof(head), r.b, r.used);
		write_seed(hc_list[i].name, buf, sizeof(head) + r.used);
	}
	if (written != HC_LIST_ROWS)
		fail("hypercall: %u seeds for the %zu hypercalls of the list", written,
		     HC_LIST_ROWS);
}

/* ---- blk: in-order indices; a read, a write and a flush ------------------ */

static void seeds_blk(void)
{
	/* 5 requests submitted, 3 served, 2 of their completions consumed */
	struct blk_head h = {
	    .req_prod = 5, .cpl_cons = 2, .req_cons = 3, .cpl_prod = 2, .sectors = 4096};
	/* a buffer in fuzz_blk's RAM, above the floor a VM has */
	const ukvm_gpa_t buf = 0x180000;
	_Static_assert(0x180000 >= UKVM_IMAGE_BASE && 0x180000 + 4096 <= BLK_MEM, "buffer in RAM");
	const struct ukvm_blk_req req[] = {
	    {.id = 1, .op = UKVM_BLK_OP_READ, .len = 4096, .sector = 8, .buf = buf},
	    {.id = 2, .op = UKVM_BLK_OP_WRITE, .len = 512, .sector = 0, .buf = buf},
	    {.id = 3, .op = UKVM_BLK_OP_FLUSH},
	};
	uint8_t seed[sizeof(h) + sizeof(req)];
	memcpy(seed, &h, sizeof(h));
	memcpy(seed + sizeof(h), req, sizeof(req));
	write_seed("requests", seed, sizeof(seed));
	write_seed("indices", &h, sizeof(h));
}

/* ---- files: call sequences through files_calls[] ------------------------- */

struct bytes {
	const char *p;
	size_t n;
};
#define S(lit) ((struct bytes){lit, sizeof(lit) - 1})
#define NONE S("")
#define FIX (FIX_PATHS | FIX_BUF | FIX_HANDLE | FIX_MOUNT)
/* The byte FIX_HANDLE makes handle h of (-1: by path) */
#define H(h) ((h) + 1)
_Static_assert(FILES_HANDLE(H(-1)) == -1 && FILES_HANDLE(H(9)) == 9, "H() inverts FIX_HANDLE");
_Static_assert(FILES_MOUNT(0) == 0 && FILES_MOUNT(1) == 1, "mappings 0 and 1 are their bytes");
#define LENS S("\x09\x0c") /* FIX_BUF: two iovecs, of 512 bytes and 4 KiB */

struct out {
	uint8_t b[1 << 14];
	size_t n;
};

static unsigned files_used[FILES_NCALLS]; /* calls of each row */

static int files_row(unsigned nr)
{
	for (size_t i = 0; i < FILES_NCALLS; i++)
		if (files_calls[i].nr == nr)
			return (int)i;
	return -1;
}

static void put(struct out *o, const void *p, size_t n)
{
	if (o->n + n > sizeof(o->b))
		fail("files seed longer than %zu bytes", sizeof(o->b));
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void put_string(struct out *o, struct bytes s)
{
	uint8_t len = (uint8_t)s.n;
	if (s.n > 255)
		fail("files seed: a path of %zu bytes", s.n);
	put(o, &len, 1);
	put(o, s.p, s.n);
}

/* One call of hypercall nr: its row, fix, the argument (size bytes),
 * zero-padded to FILES_ARG_SIZE, path 1 and path 2. */
static void call(struct out *o, unsigned nr, uint8_t fix, const void *arg, size_t size,
		 struct bytes p1, struct bytes p2)
{
	int row = files_row(nr);
	uint8_t head[2] = {(uint8_t)row, fix}, a[FILES_ARG_SIZE] = {0};
	if (row < 0)
		fail("files seed: %u is no row of files_calls[]", nr);
	files_used[row]++;
	memcpy(a, arg, size);
	put(o, head, sizeof(head));
	put(o, a, sizeof(a));
	put_string(o, p1);
	put_string(o, p2);
}

/* CALL(o, NAME, fix, path 1, path 2, designated initializers of its struct) */
#define CALL(o, NAME, fix, p1, p2, ...)                                                            \
	call(o, UKVM_HC_##NAME, fix, &(hc_arg_##NAME){__VA_ARGS__}, sizeof(hc_arg_##NAME), p1, p2)
#define OPEN(o, mnt, path, fl, fix)                                                                \
	CALL(o, FS_OPEN, fix, path, NONE, .p.mount = (mnt), .flags = (fl), .mode = 0644)
/* close, seek, truncate, fsync */
#define ON_HANDLE(o, NAME, h, o_, a_)                                                              \
	CALL(o, NAME, FIX, NONE, NONE, .handle = H(h), .op = (o_), .arg = (a_))
/* preadv, pwritev of two iovecs (LENS) on handle 3 */
#define IO(o, NAME, off)                                                                           \
	CALL(o, NAME, FIX, NONE, LENS, .handle = H(3), .iovcnt = 2, .offset = (off))
/* mkdir, unlink, access */
#define BY_PATH(o, NAME, mnt, path, fl, md, fix)                                                   \
	CALL(o, NAME, fix, path, NONE, .p.mount = (mnt), .flags = (fl), .mode = (md))
/* rename, link */
#define TWO(o, NAME, ma, a, mb, b) CALL(o, NAME, FIX, a, b, .from.mount = (ma), .to.mount = (mb))
#define STAT(o, h, mnt, path, fl)                                                                  \
	CALL(o, FS_STAT, FIX, path, NONE, .handle = H(h), .flags = (fl), .p.mount = (mnt))
#define STATFS(o, h, mnt, path)                                                                    \
	CALL(o, FS_STATFS, FIX, path, NONE, .handle = H(h), .p.mount = (mnt))
/* chmod, utimens by path */
#define ATTR(o, NAME, mnt, path, fl)                                                               \
	CALL(o, NAME, FIX, path, NONE, .handle = H(-1), .flags = (fl), .p.mount = (mnt),           \
	     .mode = 0600, .times = {1, 0, 2, 0})

static void files_file_io(struct out *o)
{
	OPEN(o, 0, S("f"), O_RDWR, FIX);
	IO(o, FS_PWRITEV, -1);
	ON_HANDLE(o, FS_SEEK, 3, SEEK_SET, 0);
	IO(o, FS_PREADV, -1);
	STAT(o, 3, 0, NONE, 0);
	STATFS(o, 3, 0, NONE);
	ON_HANDLE(o, FS_TRUNCATE, 3, 0, 3);
	ON_HANDLE(o, FS_FSYNC, 3, 1, 0);
	ON_HANDLE(o, FS_CLOSE, 3, 0, 0);
}

static void files_create(struct out *o)
{
	OPEN(o, 0, S("d/new"), O_RDWR | O_CREAT | O_TRUNC, FIX);
	IO(o, FS_PWRITEV, 4096);
	ON_HANDLE(o, FS_CLOSE, 3, 0, 0);
}

static void files_escape_open(struct out *o)
{
	OPEN(o, 0, S("up/s"), O_RDONLY, FIX);
	OPEN(o, 0, S("abs"), O_RDONLY, FIX);
	OPEN(o, 0, S("../sentinel/s"), O_RDONLY, FIX);
	OPEN(o, 0, S("/etc/passwd"), O_RDONLY, FIX);
	OPEN(o, 0, S("dotdot/sentinel/s"), O_RDWR, FIX);
	OPEN(o, 0, S("magic/etc"), O_DIRECTORY, FIX);
	OPEN(o, 0, S("upfile"), O_WRONLY | O_TRUNC, FIX);
	OPEN(o, 0, S("self"), O_RDONLY, FIX);
}

static void files_escape_names(struct out *o)
{
	BY_PATH(o, FS_MKDIR, 0, S("../evil"), 0, 0755, FIX);
	BY_PATH(o, FS_UNLINK, 0, S("up/s"), 0, 0, FIX);
	BY_PATH(o, FS_UNLINK, 0, S("../sentinel/sd"), AT_REMOVEDIR, 0, FIX);
	TWO(o, FS_RENAME, 0, S("f"), 0, S("../moved"));
	TWO(o, FS_RENAME, 0, S("up"), 0, S("d/up2"));
	TWO(o, FS_LINK, 0, S("f"), 0, S("up/f2"));
	TWO(o, FS_LINK, 0, S("upfile"), 0, S("d/l"));
	CALL(o, FS_SYMLINK, FIX, S("esc"), S("../../sentinel"), .p.mount = 0);
	OPEN(o, 0, S("esc/s"), O_RDWR | O_CREAT, FIX);
}

static void files_readonly(struct out *o)
{
	OPEN(o, 1, S("f"), O_WRONLY, FIX);
	OPEN(o, 1, S("new"), O_RDWR | O_CREAT, FIX);
	BY_PATH(o, FS_UNLINK, 1, S("f"), 0, 0, FIX);
	BY_PATH(o, FS_MKDIR, 1, S("x"), 0, 0755, FIX);
	ATTR(o, FS_CHMOD, 1, S("f"), 0);
	ATTR(o, FS_UTIMENS, 1, S("d/g"), 0);
	TWO(o, FS_RENAME, 1, S("f"), 1, S("g"));
	TWO(o, FS_RENAME, 1, S("f"), 0, S("stolen"));
	OPEN(o, 1, S("f"), O_RDONLY, FIX);
	ON_HANDLE(o, FS_TRUNCATE, 3, 0, 0);
	IO(o, FS_PWRITEV, -1);
	STATFS(o, 3, 1, NONE);
	STATFS(o, -1, 1, S("d"));
}

static void files_dir(struct out *o)
{
	OPEN(o, 0, NONE, O_DIRECTORY, FIX);
	CALL(o, FS_GETDENTS, FIX, NONE, NONE, .handle = H(3), .len = 4096);
	ON_HANDLE(o, FS_CLOSE, 3, 0, 0);
	CALL(o, FS_READLINK, FIX, S("up"), NONE, .len = 256);
	BY_PATH(o, FS_ACCESS, 0, S("d/g"), 0, R_OK | W_OK, FIX);
	STAT(o, -1, 0, S("up"), AT_SYMLINK_NOFOLLOW);
	STAT(o, -1, 0, S("abs"), 0);
	STATFS(o, -1, 0, S("up"));
	STATFS(o, -1, 0, S("magic/etc"));
	STATFS(o, 1, 0, NONE);
	CALL(o, FS_MOUNT, FIX, NONE, NONE, .index = 1, .len = 64);
}

static void files_attrs(struct out *o)
{
	ATTR(o, FS_CHMOD, 0, S("up"), 0);
	ATTR(o, FS_CHMOD, 0, S("upfile"), AT_SYMLINK_NOFOLLOW);
	ATTR(o, FS_UTIMENS, 0, S("abs"), 0);
	ATTR(o, FS_CHMOD, 0, S("in"), 0);
	ATTR(o, FS_CHMOD, 0, NONE, 0);
	ATTR(o, FS_UTIMENS, 0, S("d"), 0);
}

static void files_long(struct out *o)
{
	OPEN(o, 0, S("../"), O_RDONLY, FIX | FIX_LONG);
	OPEN(o, 0, S("d/"), O_RDONLY, FIX | FIX_LONG);
	BY_PATH(o, FS_MKDIR, 0, S("a/"), 0, 0, FIX | FIX_LONG | FIX_LONGER);
	OPEN(o, 0, S("x\0y"), O_RDONLY, FIX);
}

static void files_handles(struct out *o)
{
	for (int i = 0; i < 12; i++)
		OPEN(o, 0, S("f"), O_RDONLY, FIX);
	for (int h = -1; h <= 9; h++)
		ON_HANDLE(o, FS_CLOSE, h, 0, 0);
}

static void seeds_files(void)
{
	static const struct {
		const char *name;
		void (*write)(struct out *o);
	} seeds[] = {
	    {"file-io", files_file_io},
	    {"create", files_create},
	    {"escape-open", files_escape_open},
	    {"escape-names", files_escape_names},
	    {"readonly", files_readonly},
	    {"dir", files_dir},
	    {"attrs", files_attrs},
	    {"long", files_long},
	    {"handles", files_handles},
	};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		static struct out o;
		o.n = 0;
		seeds[i].write(&o);
		write_seed(seeds[i].name, o.b, o.n);
	}
	for (size_t i = 0; i < FILES_NCALLS; i++)
		if (!files_used[i])
			fail("files: no seed calls row %zu of files_calls[] (hypercall %u)", i,
			     files_calls[i].nr);
	/* the table has a row for each fs_* hypercall of the list, and only those */
	for (size_t i = 0; i < HC_LIST_ROWS; i++) {
		bool fs = !strncmp(hc_list[i].name, "fs_", 3);
		if (fs != (files_row(hc_list[i].nr) >= 0))
			fail("files: %s %s files_calls[] (tests/fuzz/inputs.h)", hc_list[i].name,
			     fs ? "has no row in" : "is not an fs_* hypercall but is in");
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *target;
		void (*write)(void);
	} targets[] = {{"hypercall", seeds_hypercall}, {"blk", seeds_blk}, {"files", seeds_files}};
	if (argc == 3) {
		out_dir = argv[2];
		for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
			if (!strcmp(argv[1], targets[i].target)) {
				targets[i].write();
				return 0;
			}
		}
	}
	fprintf(stderr, "usage: fuzz_seeds hypercall|blk|files DIR\n");
	return 2;
}
