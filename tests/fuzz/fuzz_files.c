/*
 * Fuzz target: --dir, through the fs_* hypercall handlers (vmm/devices/files.c) as
 * the run loop calls them (hypercall_dispatch), on a VM with guest RAM, no
 * /dev/kvm, and two real mappings in a fresh temporary tree:
 *
 *   BASE/root/      mapping 0, read-write, the same at the start of every
 *                   input: a file, a directory, and symlinks that lead out
 *                   (../sentinel, an absolute path, .., /proc/self/root),
 *                   to themselves and inside
 *   BASE/ro/        mapping 1, read-only (:ro), with the same kinds of links
 *   BASE/sentinel/  next to them, never mapped
 *
 * After each input, every handle is closed (fs_close, as at the end of a
 * run) and the target traps if anything outside root/ changed: inotify
 * watches BASE, ro/ and sentinel/ and every directory in them for any
 * change (create, delete, move, write, attributes, link counts), and every
 * 1024 inputs a full comparison (BASE holds only those three; ro/ and
 * sentinel/ have the same names, types, modes, sizes, link counts, mtimes
 * and ctimes) backs it up. It also traps if an fd is left open on anything
 * in BASE (printed on stderr: a reproducer shows them).
 * root/ is rebuilt after an input that changed it (inotify says so too):
 * the fixture's syscalls are most of the time spent per input.
 *
 * Input (layouts and table: inputs.h): up to FILES_OPS_MAX calls, each
 *   byte 0      which fs hypercall (index into files_calls[], modulo its size)
 *   byte 1      FIX_* bits: which fields of the argument to point at the
 *               paths, buffers and iovecs below (else they stay raw, so
 *               out-of-RAM addresses and lengths are fuzzed too)
 *   FILES_ARG_SIZE bytes  the argument struct, zero-padded (the size of
 *               the table's largest), at ARG
 *   byte, bytes path 1 (length, then bytes), at PATH1
 *   byte, bytes path 2 / symlink target / iovec lengths, at PATH2
 * Its seeds are written by fuzz_seeds (fuzz_seeds.c) from the same table.
 * Run with -close_fd_mask=3: guest errors are printed on stderr.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/files.h"
#include "core/gmem.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "inputs.h"

#define MEM (512ULL << 10)
#define ARG 0x10000ULL
#define PATH1 0x11000ULL
#define PATH2 0x12000ULL
#define IOV 0x13000ULL
#define BUF 0x20000ULL
#define BUF_MAX 0x40000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64], path_buf[128];
static uint64_t sum; /* snapshot() accumulates here */

static void mix(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ b[i]) * 0x100000001b3ULL;
}

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	mix(path, strlen(path));
	mix(&st->st_mode, sizeof(st->st_mode));
	mix(&st->st_size, sizeof(st->st_size));
	mix(&st->st_nlink, sizeof(st->st_nlink));
	mix(&st->st_mtim, sizeof(st->st_mtim));
	mix(&st->st_ctim, sizeof(st->st_ctim));
	return 0; /* a link's target cannot change; replacing it moves its dir's mtime */
}

/* A hash of what a guest must not change in the tree at dir. */
static uint64_t snapshot(const char *dir)
{
	sum = 0xcbf29ce484222325ULL;
	if (nftw(dir, snap_one, 8, FTW_PHYS) < 0)
		__builtin_trap();
	return sum;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static const char *at(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", base, name);
	return path_buf;
}

static void put_file(const char *name, const char *text)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		__builtin_trap();
	close(fd);
}

static void put_dir(const char *name)
{
	if (mkdir(at(name), 0755) < 0)
		__builtin_trap();
}

static void put_link(const char *target, const char *name)
{
	if (symlink(target, at(name)) < 0)
		__builtin_trap();
}

/* The links every mapping gets: out, absolute, up, loops, inside. */
static void put_links(const char *dir)
{
	char name[64], abs[128];
	static const char *const rel[][2] = {
	    {"../sentinel", "up"}, {"..", "dotdot"}, {"../sentinel/s", "upfile"},  {"self", "self"},
	    {"d/g", "in"},	   {"/", "slash"},   {"/proc/self/root", "magic"},
	};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(name, sizeof(name), "%s/%s", dir, rel[i][1]);
		put_link(rel[i][0], name);
	}
	snprintf(name, sizeof(name), "%s/abs", dir);
	snprintf(abs, sizeof(abs), "%s/sentinel/s", base);
	put_link(abs, name);
}

static void put_tree(const char *dir)
{
	char name[64];
	put_dir(dir);
	snprintf(name, sizeof(name), "%s/f", dir);
	put_file(name, "hello\n");
	snprintf(name, sizeof(name), "%s/d", dir);
	put_dir(name);
	snprintf(name, sizeof(name), "%s/d/g", dir);
	put_file(name, "inner\n");
	put_links(dir);
}

static uint64_t sum_ro, sum_sentinel;

/* The number of open fds; with in_base, only those open on something in
 * BASE, each printed on stderr (for a reproducer). */
static int count_fds(bool in_base)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[256];
	int n = 0;
	if (!d)
		__builtin_trap();
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		ssize_t len = in_base ? readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1) : 0;
		if (in_base && (len < 0 || strncmp(link, base, strlen(base))))
			continue;
		if (in_base)
			fprintf(stderr, "fd %s: %.*s\n", e->d_name, (int)len, link);
		n++;
	}
	closedir(d);
	return n;
}

/* Any change to a directory or to what is in it. */
#define CHANGES                                                                                    \
	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |        \
	 IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

static int ino = -1, wd_base, wd_root[2];

static int watch(const char *name)
{
	int wd = inotify_add_watch(ino, at(name), CHANGES);
	if (wd < 0)
		__builtin_trap();
	return wd;
}

/* Reads every pending event: 1 if one says root/ changed (a change
 * anywhere outside it traps), 0 if none did. With expect_all, after
 * root/ was rebuilt, every event is expected. */
static int drain(bool expect_all)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int root_changed = 0;
	ssize_t n;
	while ((n = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;
			p += sizeof(*e) + e->len;
			if (expect_all || e->wd == wd_root[0] || e->wd == wd_root[1] ||
			    (e->mask & IN_IGNORED))
				root_changed = 1;
			else if (e->wd == wd_base && e->len && !strcmp(e->name, "root"))
				root_changed = 1; /* root/ itself: its mode, its times */
			else
				__builtin_trap(); /* something outside root/ changed */
		}
	}
	return root_changed;
}

static void remove_base(void)
{
	if (base[0])
		nftw(base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	/* tmpfs if there is one: fsync on a disk would be slow */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof(base), "%s/ukvm-fuzz-files.XXXXXX", tmp);
	if (!mkdtemp(base))
		__builtin_trap();
	atexit(remove_base);
	put_dir("sentinel");
	put_file("sentinel/s", "secret\n");
	put_dir("sentinel/sd");
	put_file("sentinel/sd/t", "more\n");
	put_tree("ro");
	sum_ro = snapshot(at("ro"));
	sum_sentinel = snapshot(at("sentinel"));
	if ((ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		__builtin_trap();
	static const char *const outside[] = {"ro", "ro/d", "sentinel", "sentinel/sd"};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		watch(outside[i]);
	wd_base = watch("");
}

/* BASE holds root, ro and sentinel and nothing else. */
static void check_base(void)
{
	DIR *d = opendir(base);
	struct dirent *e;
	int n = 0;
	if (!d)
		__builtin_trap();
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strcmp(e->d_name, "root") && strcmp(e->d_name, "ro") &&
		    strcmp(e->d_name, "sentinel"))
			__builtin_trap(); /* created outside every mapping */
		n++;
	}
	closedir(d);
	if (n != 3)
		__builtin_trap();
}

static void put_u32(uint8_t *arg, size_t off, uint32_t v)
{
	memcpy(arg + off, &v, sizeof(v));
}

static void put_u64(uint8_t *arg, size_t off, uint64_t v)
{
	memcpy(arg + off, &v, sizeof(v));
}

static uint64_t get_u64(const uint8_t *arg, size_t off)
{
	uint64_t v;
	memcpy(&v, arg + off, sizeof(v));
	return v;
}

/* Points the fields of call c in arg at what fix asks for (iovecs: into
 * guest RAM at IOV, their lengths from path 2's bytes). */
static void fix_arg(struct vm *vm, const struct files_call *c, uint8_t fix, uint8_t *arg,
		    uint32_t len1, uint32_t len2)
{
	if (fix & FIX_PATHS) {
		int paths[2] = {c->path1, c->path2};
		uint32_t lens[2] = {len1, len2};
		for (int i = 0; i < 2; i++) {
			if (paths[i] < 0)
				continue;
			size_t at = (size_t)paths[i];
			size_t mnt = at + offsetof(struct ukvm_fs_path, mount);
			if (fix & FIX_MOUNT)
				put_u32(arg, mnt, FILES_MOUNT(arg[mnt]));
			put_u32(arg, at + offsetof(struct ukvm_fs_path, len), lens[i]);
			put_u64(arg, at + offsetof(struct ukvm_fs_path, path), i ? PATH2 : PATH1);
		}
		if (c->target >= 0) {
			put_u64(arg, c->target, PATH2);
			put_u64(arg, c->target_len, len2);
		}
	}
	if ((fix & FIX_MOUNT) && c->mount >= 0)
		put_u32(arg, c->mount, FILES_MOUNT(arg[c->mount]));
	if ((fix & FIX_HANDLE) && c->handle >= 0)
		put_u32(arg, c->handle, (uint32_t)FILES_HANDLE(arg[c->handle]));
	if (fix & FIX_BUF) {
		if (c->buf >= 0) {
			put_u64(arg, c->buf, BUF);
			put_u64(arg, c->len, get_u64(arg, c->len) % (BUF_MAX + 1));
		}
		if (c->dst >= 0)
			put_u64(arg, c->dst, BUF);
		if (c->iov >= 0) {
			/* up to 4 iovecs of 0..64 KiB in BUF, lengths from path 2 */
			uint32_t n = arg[c->iovcnt] % 5;
			const uint8_t *lens = vm->mem.host + PATH2;
			put_u32(arg, c->iovcnt, n);
			put_u64(arg, c->iov, IOV);
			for (uint32_t i = 0; i < n; i++) {
				struct ukvm_iovec v = {.base = BUF + i * 0x10000ULL,
						       .len =
							   i < len2 ? (1u << (lens[i] % 17)) : 0};
				if (v.len > 0x10000)
					v.len = 0x10000;
				memcpy(vm->mem.host + IOV + i * sizeof(v), &v, sizeof(v));
			}
		}
	}
}

/* Reads one length-prefixed string of the input into guest RAM at gpa. */
static size_t take_path(struct vm *vm, const uint8_t **d, size_t *left, uint64_t gpa)
{
	size_t n = 0;
	if (*left) {
		n = **d;
		(*d)++;
		(*left)--;
	}
	if (n > *left)
		n = *left;
	memcpy(vm->mem.host + gpa, *d, n);
	*d += n;
	*left -= n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct fs fs;
	char err[256];

	static bool dirty = true; /* root/ may differ from put_tree()'s */
	static int fds = -1;	  /* open after the input before */
	static unsigned inputs;

	if (!vm.mem.host) {
		if (gmem_init(&vm.mem, MEM) < 0)
			__builtin_trap();
		setup();
	}
	/* A fresh root/ for each input, so a crash reproduces: rebuilt only
	 * after an input that changed it. */
	if (dirty) {
		nftw(at("root"), rm_one, 8, FTW_DEPTH | FTW_PHYS);
		put_tree("root");
		wd_root[0] = watch("root");
		wd_root[1] = watch("root/d");
		drain(true);
		dirty = false;
	}
	if (fds < 0)
		fds = count_fds(false);

	fs_init(&fs);
	char arg_root[80], arg_ro[80];
	snprintf(arg_root, sizeof(arg_root), "%s/root", base);
	snprintf(arg_ro, sizeof(arg_ro), "%s/ro:/ro:ro", base);
	if (fs_add_dir(&fs, arg_root, err, sizeof(err)) < 0 ||
	    fs_add_dir(&fs, arg_ro, err, sizeof(err)) < 0)
		__builtin_trap();

	struct gmem mem = vm.mem;
	memset(&vm, 0, sizeof(vm));
	vm.mem = mem;
	vm.kvm_fd = vm.fd = vm.vcpu_fd = -1;
	vm.devices = devices_map(NULL, 0);
	vm.fs = &fs;
	memset(vm.mem.host, 0, MEM);

	for (int op = 0; op < FILES_OPS_MAX && size >= 2 + FILES_ARG_SIZE && !vm.done; op++) {
		const struct files_call *c = &files_calls[data[0] % FILES_NCALLS];
		uint8_t fix = data[1], arg[FILES_ARG_SIZE];
		memcpy(arg, data + 2, FILES_ARG_SIZE);
		data += 2 + FILES_ARG_SIZE;
		size -= 2 + FILES_ARG_SIZE;
		size_t len1 = take_path(&vm, &data, &size, PATH1);
		if (fix & FIX_LONG) {
			size_t want = fix & FIX_LONGER ? UKVM_FS_PATH_MAX : UKVM_FS_PATH_MAX - 1;
			for (size_t i = len1; len1 && i < want; i++)
				vm.mem.host[PATH1 + i] = vm.mem.host[PATH1 + i % len1];
			if (len1)
				len1 = want;
		}
		size_t len2 = take_path(&vm, &data, &size, PATH2);
		fix_arg(&vm, c, fix, arg, (uint32_t)len1, (uint32_t)len2);
		memcpy(vm.mem.host + ARG, arg, FILES_ARG_SIZE);
		hypercall_dispatch(&vm, c->nr, ARG);
	}

	fs_close(&fs);
	dirty = drain(false);
	if (++inputs % 1024 == 0) {
		check_base();
		if (snapshot(at("ro")) != sum_ro || snapshot(at("sentinel")) != sum_sentinel)
			__builtin_trap(); /* a file outside the writable mapping changed */
	}
	/* More fds than after the input before: a leak, if one is open on
	 * something in BASE (libFuzzer opens pipes to its symbolizer when it
	 * first reports a new function, and closes fds 1 and 2). */
	int now = count_fds(false);
	if (now > fds && count_fds(true))
		__builtin_trap();
	fds = now;
	return 0;
}
