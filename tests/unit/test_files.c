/*
 * The --dir handlers (vmm/devices/files.c) on a VM that has guest RAM and nothing
 * else, against a scratch directory tree: option parsing, confinement
 * (.., symlinks out, raw paths), read-only mappings, the handle limit,
 * and every guest-controlled field of the argument structs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "devices/files.h"
#include "core/gmem.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"

#define MEM (2ULL << 20)
#define ARG 0x10000ULL
#define PATH 0x11000ULL
#define PATH2 0x12000ULL
#define IOV 0x13000ULL
#define BUF 0x20000ULL
#define STAT 0x30000ULL

static struct vm vm;
static struct fs fs;
static char root[PATH_MAX / 2];

static void sh(const char *fmt, const char *arg)
{
	char cmd[2 * PATH_MAX];
	if (snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg) >= (int)sizeof(cmd))
		fail_msg("setup command too long: %s", fmt);
	if (system(cmd) != 0)
		fail_msg("setup failed: %s", cmd);
}

static int setup(void **state)
{
	char err[256];
	(void)state;
	snprintf(root, sizeof(root), "%s/fsunit.XXXXXX", getcwd(err, sizeof(err)) ? err : ".");
	if (!mkdtemp(root))
		return -1;
	sh("mkdir %s/rw %s/ro %s/outside %s/rw/sub", root);
	sh("echo hello >%s/rw/f; echo ro >%s/ro/f; echo SECRET >%s/outside/s; mkfifo %s/rw/fifo",
	   root);
	sh("ln -s ../outside/s %s/rw/rel; ln -s %s/outside/s %s/rw/abs", root);
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.fd = vm.vcpu_fd = -1;
	vm.devices = devices_map(NULL, 0);
	vm.fs = &fs;
	fs_init(&fs);
	char arg[2 * PATH_MAX];
	snprintf(arg, sizeof(arg), "%s/rw:/data", root);
	if (fs_add_dir(&fs, arg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snprintf(arg, sizeof(arg), "%s/ro:/ro:ro", root);
	if (fs_add_dir(&fs, arg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return gmem_init(&vm.mem, MEM);
}

static int teardown(void **state)
{
	(void)state;
	fs_close(&fs);
	gmem_free(&vm.mem);
	sh("rm -rf %s", root);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void put(uint64_t gpa, const void *p, size_t len)
{
	memcpy(vm.mem.host + gpa, p, len);
}

static struct ukvm_fs_path fpath(uint32_t mount, const char *p, uint64_t where)
{
	put(where, p, strlen(p));
	return (struct ukvm_fs_path){.mount = mount, .len = (uint32_t)strlen(p), .path = where};
}

static int64_t ret_at(size_t off)
{
	int64_t r;
	memcpy(&r, vm.mem.host + ARG + off, sizeof(r));
	return r;
}

static int64_t do_open(uint32_t mount, const char *p, uint32_t flags)
{
	struct ukvm_hc_fs_path a = {.p = fpath(mount, p, PATH), .flags = flags, .mode = 0644};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_OPEN, ARG);
	return ret_at(offsetof(struct ukvm_hc_fs_path, ret));
}

static int64_t path_op(unsigned nr, uint32_t mount, const char *p, uint32_t flags, uint32_t mode)
{
	struct ukvm_hc_fs_path a = {.p = fpath(mount, p, PATH), .flags = flags, .mode = mode};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, nr, ARG);
	return ret_at(offsetof(struct ukvm_hc_fs_path, ret));
}

static int64_t do_read(int32_t h, uint64_t len, int64_t off)
{
	struct ukvm_iovec v = {BUF, len};
	struct ukvm_hc_fs_io a = {.handle = h, .iovcnt = 1, .iov = IOV, .offset = off};
	put(IOV, &v, sizeof(v));
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_PREADV, ARG);
	return ret_at(offsetof(struct ukvm_hc_fs_io, ret));
}

static int64_t handle_op(unsigned nr, int32_t h, uint32_t op, int64_t arg)
{
	struct ukvm_hc_fs_handle a = {.handle = h, .op = op, .arg = arg};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, nr, ARG);
	return ret_at(offsetof(struct ukvm_hc_fs_handle, ret));
}

static void test_add_dir_options(void **state)
{
	struct fs f;
	char err[256], arg[2 * PATH_MAX];
	(void)state;
	fs_init(&f);
	snprintf(arg, sizeof(arg), "%s/rw", root);
	assert_int_equal(fs_add_dir(&f, arg, err, sizeof(err)), 0);
	assert_string_equal(f.mounts[0].guest, "/");
	assert_false(f.mounts[0].ro);
	snprintf(arg, sizeof(arg), "%s/ro:/a//b/../c/:ro", root);
	assert_int_equal(fs_add_dir(&f, arg, err, sizeof(err)), 0);
	assert_string_equal(f.mounts[1].guest, "/a/c");
	assert_true(f.mounts[1].ro);
	snprintf(arg, sizeof(arg), "%s/ro:ro", root);
	assert_int_equal(fs_add_dir(&f, arg, err, sizeof(err)), -1); /* "/" twice */
	assert_non_null(strstr(err, "mapped twice"));
	snprintf(arg, sizeof(arg), "%s/ro:rel", root);
	assert_int_equal(fs_add_dir(&f, arg, err, sizeof(err)), -1);
	assert_int_equal(fs_add_dir(&f, ":/x", err, sizeof(err)), -1);
	assert_int_equal(fs_add_dir(&f, "/nonexistent/dir:/x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	snprintf(arg, sizeof(arg), "%s/rw/f:/file", root);
	assert_int_equal(fs_add_dir(&f, arg, err, sizeof(err)), -1); /* not a directory */
	fs_close(&f);
}

static void test_mount_query(void **state)
{
	struct ukvm_hc_fs_mount a = {.index = 1, .path = BUF, .len = 64};
	(void)state;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_MOUNT, ARG);
	memcpy(&a, vm.mem.host + ARG, sizeof(a));
	assert_int_equal(a.ret, 3);
	assert_string_equal((char *)vm.mem.host + BUF, "/ro");
	assert_int_equal(a.flags, UKVM_FS_MOUNT_RO);
	a = (struct ukvm_hc_fs_mount){.index = 2, .path = BUF, .len = 64};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_MOUNT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_mount, ret)), -ENOENT);
	a = (struct ukvm_hc_fs_mount){.index = 0, .path = BUF, .len = 5};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_MOUNT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_mount, ret)), -ERANGE);
	a = (struct ukvm_hc_fs_mount){.index = 0, .path = MEM - 2, .len = 64};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_MOUNT, ARG);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static void test_open_read_close(void **state)
{
	(void)state;
	int64_t h = do_open(0, "f", O_RDONLY);
	assert_int_equal(h, UKVM_FS_STDIO_HANDLES);
	assert_int_equal(do_read((int32_t)h, 100, -1), 6);
	assert_memory_equal(vm.mem.host + BUF, "hello\n", 6);
	assert_int_equal(do_read((int32_t)h, 100, 1), 5);
	assert_int_equal(do_read((int32_t)h, 100, -2), -EINVAL);
	assert_int_equal(handle_op(UKVM_HC_FS_SEEK, (int32_t)h, SEEK_SET, 2), 2);
	assert_int_equal(do_read((int32_t)h, 2, -1), 2);
	assert_memory_equal(vm.mem.host + BUF, "ll", 2);
	assert_int_equal(handle_op(UKVM_HC_FS_CLOSE, (int32_t)h, 0, 0), 0);
	assert_int_equal(handle_op(UKVM_HC_FS_CLOSE, (int32_t)h, 0, 0), -EBADF);
	assert_int_equal(do_read((int32_t)h, 1, -1), -EBADF);
	assert_int_equal(do_read(1, 1, -1), -EBADF); /* the VMM's stdout: stat only */
	assert_int_equal(do_read(-5, 1, -1), -EBADF);
	assert_int_equal(do_read(INT32_MAX, 1, -1), -EBADF);
	assert_false(vm.done);
}

static void test_confinement(void **state)
{
	(void)state;
	assert_int_equal(do_open(0, "../outside/s", O_RDONLY), -EACCES);
	assert_int_equal(do_open(0, "sub/../../outside/s", O_RDONLY), -EACCES);
	assert_int_equal(do_open(0, "rel", O_RDONLY), -EACCES);
	assert_int_equal(do_open(0, "abs", O_RDONLY), -EACCES);
	assert_int_equal(do_open(0, "/etc/passwd", O_RDONLY), -EINVAL);
	assert_int_equal(do_open(0, "missing", O_RDONLY), -ENOENT);
	assert_int_equal(do_open(2, "f", O_RDONLY), -ENOENT); /* no such mapping */
	assert_int_equal(do_open(UINT32_MAX, "f", O_RDONLY), -ENOENT);
	assert_int_equal(do_open(0, "rel", O_RDONLY | O_NOFOLLOW), -ELOOP);
	/* a NUL inside the path */
	struct ukvm_hc_fs_path a = {.p = fpath(0, "f\0x", PATH), .flags = O_RDONLY};
	a.p.len = 3;
	put(PATH, "f\0x", 3);
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_OPEN, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_path, ret)), -EINVAL);
	a.p.len = UKVM_FS_PATH_MAX;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_OPEN, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_path, ret)), -ENAMETOOLONG);
	/* the names acted on are never "", "." or ".." */
	assert_int_equal(path_op(UKVM_HC_FS_UNLINK, 0, "sub/..", AT_REMOVEDIR, 0), -EBUSY);
	assert_int_equal(path_op(UKVM_HC_FS_UNLINK, 0, "", AT_REMOVEDIR, 0), -EBUSY);
	assert_int_equal(path_op(UKVM_HC_FS_MKDIR, 0, "sub/.", 0, 0755), -EEXIST);
	assert_int_equal(path_op(UKVM_HC_FS_MKDIR, 0, "../outside/new", 0, 0755), -EACCES);
	assert_int_equal(path_op(UKVM_HC_FS_UNLINK, 0, "rel/x", 0, 0), -EACCES);
	assert_false(vm.done);
	/* the path outside guest RAM ends the run */
	a.p.len = 16;
	a.p.path = MEM - 8;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_OPEN, ARG);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static void test_read_only(void **state)
{
	struct ukvm_hc_fs_rename r = {.from = fpath(1, "f", PATH), .to = fpath(1, "g", PATH2)};
	(void)state;
	assert_int_equal(do_open(1, "f", O_WRONLY), -EROFS);
	assert_int_equal(do_open(1, "f", O_RDWR), -EROFS);
	assert_int_equal(do_open(1, "new", O_CREAT | O_RDONLY), -EROFS);
	assert_int_equal(do_open(1, "f", O_TRUNC | O_RDONLY), -EROFS);
	assert_int_equal(path_op(UKVM_HC_FS_MKDIR, 1, "d", 0, 0755), -EROFS);
	assert_int_equal(path_op(UKVM_HC_FS_UNLINK, 1, "f", 0, 0), -EROFS);
	assert_int_equal(path_op(UKVM_HC_FS_ACCESS, 1, "f", 0, W_OK), -EROFS);
	assert_int_equal(path_op(UKVM_HC_FS_ACCESS, 1, "f", 0, R_OK), 0);
	put(ARG, &r, sizeof(r));
	hypercall_dispatch(&vm, UKVM_HC_FS_RENAME, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_rename, ret)), -EROFS);
	int64_t h = do_open(1, "f", O_RDONLY);
	assert_true(h >= UKVM_FS_STDIO_HANDLES);
	assert_int_equal(handle_op(UKVM_HC_FS_TRUNCATE, (int32_t)h, 0, 0), -EROFS);
	struct stat st;
	char p[PATH_MAX + 8];
	snprintf(p, sizeof(p), "%s/ro/f", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 3);
}

static void test_write_rename_across(void **state)
{
	struct ukvm_hc_fs_rename r = {.from = fpath(0, "f", PATH), .to = fpath(1, "f", PATH2)};
	(void)state;
	int64_t h = do_open(0, "new", O_CREAT | O_EXCL | O_WRONLY);
	assert_true(h >= UKVM_FS_STDIO_HANDLES);
	struct ukvm_iovec v[2] = {{BUF, 3}, {BUF + 100, 0}};
	put(BUF, "abc", 3);
	put(IOV, v, sizeof(v));
	struct ukvm_hc_fs_io a = {.handle = (int32_t)h, .iovcnt = 2, .iov = IOV, .offset = -1};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_PWRITEV, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_io, ret)), 3);
	assert_int_equal(do_open(0, "new", O_CREAT | O_EXCL | O_WRONLY), -EEXIST);
	put(ARG, &r, sizeof(r));
	hypercall_dispatch(&vm, UKVM_HC_FS_RENAME, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_rename, ret)), -EROFS);
	r.from = fpath(0, "f", PATH);
	r.to = fpath(0, "sub/moved", PATH2);
	put(ARG, &r, sizeof(r));
	hypercall_dispatch(&vm, UKVM_HC_FS_RENAME, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_rename, ret)), 0);
	/* an iovec outside guest RAM ends the run */
	v[1] = (struct ukvm_iovec){MEM - 10, 11};
	put(IOV, v, sizeof(v));
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_PWRITEV, ARG);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static void test_iovcnt_too_big(void **state)
{
	struct ukvm_hc_fs_io a = {.handle = 3, .iovcnt = UKVM_IOV_MAX + 1, .iov = IOV};
	(void)state;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_PREADV, ARG);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_BAD_HYPERCALL);
}

static void test_handle_limit(void **state)
{
	(void)state;
	for (int i = 0; i < UKVM_FS_HANDLES_MAX; i++)
		assert_int_equal(do_open(0, "f", O_RDONLY), UKVM_FS_STDIO_HANDLES + i);
	assert_int_equal(do_open(0, "f", O_RDONLY), -EMFILE);
	assert_int_equal(handle_op(UKVM_HC_FS_CLOSE, 10, 0, 0), 0);
	assert_int_equal(do_open(0, "f", O_RDONLY), 10);
}

static void test_fifo_not_served(void **state)
{
	(void)state; /* must not block: opened O_NONBLOCK, refused by type */
	assert_int_equal(do_open(0, "fifo", O_RDONLY), -ENXIO);
	assert_int_equal(do_open(0, "fifo", O_WRONLY), -ENXIO);
}

static void test_stat(void **state)
{
	struct ukvm_hc_fs_stat a = {
	    .handle = -1, .flags = AT_SYMLINK_NOFOLLOW, .p = fpath(0, "rel", PATH), .st = STAT};
	struct ukvm_stat u;
	(void)state;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_stat, ret)), 0);
	memcpy(&u, vm.mem.host + STAT, sizeof(u));
	assert_true(S_ISLNK(u.mode));
	a.flags = 0;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_stat, ret)), -EACCES);
	a.p = fpath(0, "", PATH);
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	memcpy(&u, vm.mem.host + STAT, sizeof(u));
	assert_true(S_ISDIR(u.mode));
	a = (struct ukvm_hc_fs_stat){.handle = 2, .st = STAT}; /* the VMM's stderr */
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_stat, ret)), 0);
	a = (struct ukvm_hc_fs_stat){.handle = 77, .st = STAT};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_stat, ret)), -EBADF);
	a = (struct ukvm_hc_fs_stat){.handle = 2, .st = MEM - 8};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STAT, ARG);
	assert_true(vm.done);
}

static int64_t do_statfs(int32_t h, uint32_t mount, const char *p, uint64_t dst,
			 struct ukvm_statfs *u)
{
	struct ukvm_hc_fs_statfs a = {
	    .handle = h, .p = fpath(mount, p, PATH), .sfs = dst, .ret = 0x7777};
	memset(vm.mem.host + STAT, 0xa5, sizeof(*u));
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STATFS, ARG);
	memcpy(u, vm.mem.host + STAT, sizeof(*u));
	return ret_at(offsetof(struct ukvm_hc_fs_statfs, ret));
}

static void test_statfs(void **state)
{
	struct ukvm_statfs u;
	struct statfs host;
	char p[PATH_MAX + 8];
	(void)state;
	snprintf(p, sizeof(p), "%s/rw", root);
	assert_int_equal(statfs(p, &host), 0);
	/* by path: the host's fstatfs; a read-only mapping adds ST_RDONLY */
	assert_int_equal(do_statfs(-1, 0, "", STAT, &u), 0);
	assert_int_equal(u.type, (uint64_t)host.f_type);
	assert_int_equal(u.bsize, (uint64_t)host.f_bsize);
	assert_int_equal(u.namelen, (uint64_t)host.f_namelen);
	assert_int_equal(u.flags, (uint64_t)host.f_flags);
	assert_int_equal(u.fsid[0], (uint32_t)host.f_fsid.__val[0]);
	assert_int_equal(do_statfs(-1, 0, "sub", STAT, &u), 0);
	assert_int_equal(u.type, (uint64_t)host.f_type);
	assert_int_equal(do_statfs(-1, 0, "fifo", STAT, &u), 0); /* O_PATH: never blocks */
	assert_int_equal(do_statfs(-1, 1, "f", STAT, &u), 0);
	assert_int_equal(u.flags, (uint64_t)host.f_flags | ST_RDONLY);
	/* by handle: of a read-write and a read-only mapping, the VMM's stdout */
	int64_t h = do_open(0, "f", O_RDONLY);
	assert_int_equal(do_statfs((int32_t)h, 0, "", STAT, &u), 0);
	assert_int_equal(u.flags, (uint64_t)host.f_flags);
	h = do_open(1, "", O_RDONLY | O_DIRECTORY);
	assert_int_equal(do_statfs((int32_t)h, 0, "", STAT, &u), 0);
	assert_int_equal(u.flags, (uint64_t)host.f_flags | ST_RDONLY);
	assert_int_equal(fstatfs(1, &host), 0);
	assert_int_equal(do_statfs(1, 0, "", STAT, &u), 0);
	assert_int_equal(u.type, (uint64_t)host.f_type);
	/* hostile values: bad handles, mappings, paths that lead out */
	assert_int_equal(do_statfs(77, 0, "", STAT, &u), -EBADF);
	assert_int_equal(do_statfs(INT32_MAX, 0, "", STAT, &u), -EBADF);
	assert_int_equal(do_statfs(-1, 2, "f", STAT, &u), -ENOENT);
	assert_int_equal(do_statfs(INT32_MIN, UINT32_MAX, "f", STAT, &u), -ENOENT);
	assert_int_equal(do_statfs(-1, 0, "../outside", STAT, &u), -EACCES);
	assert_int_equal(do_statfs(-1, 0, "sub/../../outside/s", STAT, &u), -EACCES);
	assert_int_equal(do_statfs(-1, 0, "rel", STAT, &u), -EACCES);
	assert_int_equal(do_statfs(-1, 0, "abs", STAT, &u), -EACCES);
	assert_int_equal(do_statfs(-1, 0, "/etc", STAT, &u), -EINVAL);
	assert_int_equal(do_statfs(-1, 0, "missing", STAT, &u), -ENOENT);
	assert_int_equal(u.type, 0xa5a5a5a5a5a5a5a5ULL); /* nothing written on an error */
	assert_false(vm.done);
	/* the result outside guest RAM ends the run, ret unwritten */
	assert_int_equal(do_statfs(2, 0, "", MEM - 8, &u), 0x7777);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static void test_statfs_path_outside(void **state)
{
	struct ukvm_hc_fs_statfs a = {
	    .handle = -1, .p = {.mount = 0, .len = 16, .path = MEM - 8}, .sfs = STAT};
	(void)state;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_FS_STATFS, ARG);
	assert_true(vm.done);
	assert_int_equal(vm.status, EXIT_FAULT);
}

static void test_getdents_readlink_random(void **state)
{
	(void)state;
	int64_t h = do_open(0, "", O_RDONLY | O_DIRECTORY);
	struct ukvm_hc_fs_buf b = {.handle = (int32_t)h, .buf = BUF, .len = 4096};
	put(ARG, &b, sizeof(b));
	hypercall_dispatch(&vm, UKVM_HC_FS_GETDENTS, ARG);
	assert_int_equal(h, UKVM_FS_STDIO_HANDLES);
	assert_true(ret_at(offsetof(struct ukvm_hc_fs_buf, ret)) > 0);
	struct ukvm_hc_fs_readlink r = {.p = fpath(0, "rel", PATH), .buf = BUF, .len = 100};
	put(ARG, &r, sizeof(r));
	hypercall_dispatch(&vm, UKVM_HC_FS_READLINK, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_readlink, ret)), 12);
	assert_memory_equal(vm.mem.host + BUF, "../outside/s", 12);
	b = (struct ukvm_hc_fs_buf){.buf = BUF, .len = 1ULL << 40}; /* capped at 1 MiB */
	put(ARG, &b, sizeof(b));
	hypercall_dispatch(&vm, UKVM_HC_RANDOM, ARG);
	assert_int_equal(ret_at(offsetof(struct ukvm_hc_fs_buf, ret)), UKVM_RANDOM_MAX);
	b = (struct ukvm_hc_fs_buf){.buf = MEM - 100, .len = 200};
	put(ARG, &b, sizeof(b));
	hypercall_dispatch(&vm, UKVM_HC_RANDOM, ARG);
	assert_true(vm.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_add_dir_options),
	    T(test_mount_query),
	    T(test_open_read_close),
	    T(test_confinement),
	    T(test_read_only),
	    T(test_write_rename_across),
	    T(test_iovcnt_too_big),
	    T(test_handle_limit),
	    T(test_fifo_not_served),
	    T(test_stat),
	    T(test_statfs),
	    T(test_statfs_path_outside),
	    T(test_getdents_readlink_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
