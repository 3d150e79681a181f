/*
 * The input formats of the fuzz targets that speak the guest ABI
 * (fuzz_hypercall, fuzz_blk, fuzz_files), shared by the targets and by
 * fuzz_seeds.c, which writes their seeds. Each target's own comment says
 * what it reads; the layouts, addresses and tables it reads them with are
 * here, and every argument struct and offset comes from the ABI header's
 * list (UKVM_HYPERCALLS) and structs, so the targets, their seeds and the
 * ABI cannot disagree.
 */
#ifndef UKVM_FUZZ_INPUTS_H
#define UKVM_FUZZ_INPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

/* hc_arg_FS_OPEN is struct ukvm_hc_fs_path: each hypercall's argument
 * struct, as the list gives it. */
#define FUZZ_HC_ARG(nr, NAME, name, type) typedef struct type hc_arg_##NAME;
UKVM_HYPERCALLS(FUZZ_HC_ARG)
#undef FUZZ_HC_ARG

/* ---- fuzz_hypercall (its input: fuzz_hypercall.c) ----------------------- */
#define HC_MEM (1ULL << 20) /* guest RAM */
#define HC_HEAD 5	    /* number, argument address; then RAM from HC_ARENA on */
#define HC_ARENA 0x10000ULL

/* ---- fuzz_blk (its input: fuzz_blk.c) ----------------------------------- */
#define BLK_MEM (2ULL << 20) /* guest RAM, from UKVM_IMAGE_BASE on as for a VM */

struct blk_head {
	/* blk_ring_check()'s arguments: the guest's ring indices (struct
	 * ukvm_blk_ring) and the device's */
	uint32_t req_prod, cpl_cons, req_cons, cpl_prod;
	/* the disk's geometry */
	uint64_t sectors;
	uint8_t shift; /* sector size 512 << (shift % 4) */
	uint8_t ro;    /* bit 0: read-only */
	uint8_t unused[6];
};
_Static_assert(sizeof(struct blk_head) == 32, "fuzz_blk's head is 32 bytes");

/* ---- fuzz_files (its input: fuzz_files.c) ------------------------------- */
#define FILES_OPS_MAX 64 /* calls per input */

/* FIX_* bits: which fields of the argument fuzz_files points at the paths,
 * buffers and iovecs it has placed in guest RAM; the others stay raw, so
 * out-of-RAM addresses and lengths are fuzzed too. */
#define FIX_PATHS 0x01	/* paths (and the symlink target) point at path 1 / path 2 */
#define FIX_BUF 0x02	/* buffers and iovecs point at a buffer in RAM, lengths clamped */
#define FIX_HANDLE 0x04 /* handle FILES_HANDLE(its low byte), in -1..9 */
#define FIX_MOUNT 0x08	/* mapping index FILES_MOUNT(its low byte), in 0..2 (2: none) */
#define FIX_LONG 0x10	/* path 1 repeated up to 4095 bytes (4096 with FIX_LONGER) */
#define FIX_LONGER 0x20

/* -1: by path; 0..2: the VMM's stdio; 3..: files */
#define FILES_HANDLE(byte) ((int)((byte) % 11) - 1)
#define FILES_MOUNT(byte) ((uint32_t)((byte) % 3))

/* Every fs hypercall fuzz_files makes, and the members of its argument
 * struct (the list's: hc_arg_NAME) that FIX_* points at RAM; _ for none:
 *   mount       a mapping index, uint32_t (FIX_MOUNT)
 *   path1/2     struct ukvm_fs_path (FIX_PATHS; FIX_MOUNT: its mount)
 *   target, target_len   ukvm_gpa_t, uint64_t (FIX_PATHS: at path 2)
 *   handle      int32_t (FIX_HANDLE)
 *   buf, len    ukvm_gpa_t, uint64_t (FIX_BUF)
 *   dst         ukvm_gpa_t: where a result goes (FIX_BUF)
 *   iovcnt, iov uint32_t, ukvm_gpa_t (FIX_BUF)
 * A member that is not there, or not of that type, fails the build.
 * fuzz_seeds checks that every fs_* hypercall of the list has a row. */
/* clang-format off */
#define FILES_CALLS(X) \
	/* NAME        mount  path1 path2 target target_len handle  buf   len  dst iovcnt  iov */ \
	X(FS_MOUNT,    index, _,    _,    _,     _,         _,      path, len, _,  _,      _)   \
	X(FS_OPEN,     _,     p,    _,    _,     _,         _,      _,    _,   _,  _,      _)   \
	X(FS_CLOSE,    _,     _,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_PREADV,   _,     _,    _,    _,     _,         handle, _,    _,   _,  iovcnt, iov) \
	X(FS_PWRITEV,  _,     _,    _,    _,     _,         handle, _,    _,   _,  iovcnt, iov) \
	X(FS_SEEK,     _,     _,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_STAT,     _,     p,    _,    _,     _,         handle, _,    _,   st, _,      _)   \
	X(FS_GETDENTS, _,     _,    _,    _,     _,         handle, buf,  len, _,  _,      _)   \
	X(FS_MKDIR,    _,     p,    _,    _,     _,         _,      _,    _,   _,  _,      _)   \
	X(FS_UNLINK,   _,     p,    _,    _,     _,         _,      _,    _,   _,  _,      _)   \
	X(FS_RENAME,   _,     from, to,   _,     _,         _,      _,    _,   _,  _,      _)   \
	X(FS_TRUNCATE, _,     _,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_FSYNC,    _,     _,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_ACCESS,   _,     p,    _,    _,     _,         _,      _,    _,   _,  _,      _)   \
	X(FS_READLINK, _,     p,    _,    _,     _,         _,      buf,  len, _,  _,      _)   \
	X(FS_CHMOD,    _,     p,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_UTIMENS,  _,     p,    _,    _,     _,         handle, _,    _,   _,  _,      _)   \
	X(FS_SYMLINK,  _,     p,    _,    target, target_len, _,    _,    _,   _,  _,      _)   \
	X(FS_LINK,     _,     from, to,   _,     _,         _,      _,    _,   _,  _,      _)
/* clang-format on */

/* Offsets into the argument; -1: none. */
struct files_call {
	unsigned nr;
	int mount, path1, path2, target, target_len, handle, buf, len, dst, iovcnt, iov;
};

/* FILES_AT(T, m, type): the offset of member m in T, as an int, if m is of
 * that type (else no _Generic association matches: the build fails); -1
 * for m = _. FILES_IS_NONE(m) is 1 for _ and 0 for a name: FILES_NONE__
 * expands to two arguments, so FILES_SECOND picks its 1; any other name
 * pastes to one identifier, and FILES_SECOND picks the 0 after it. */
#define FILES_CAT_(a, b) a##b
#define FILES_CAT(a, b) FILES_CAT_(a, b)
#define FILES_SECOND_(a, b, ...) b
#define FILES_SECOND(...) FILES_SECOND_(__VA_ARGS__)
#define FILES_NONE__ ~, 1
#define FILES_IS_NONE(m) FILES_SECOND(FILES_NONE_##m, 0, ~)
#define FILES_AT(T, m, type) FILES_CAT(FILES_AT_, FILES_IS_NONE(m))(T, m, type)
#define FILES_AT_0(T, m, type) ((int)offsetof(T, m) + _Generic(((T *)0)->m, type : 0))
#define FILES_AT_1(T, m, type) (-1)

#define FILES_ROW(NAME, mount, p1, p2, tg, tl, h, b, l, d, ic, io)                                 \
	{UKVM_HC_##NAME,                                                                           \
	 FILES_AT(hc_arg_##NAME, mount, uint32_t),                                                 \
	 FILES_AT(hc_arg_##NAME, p1, struct ukvm_fs_path),                                         \
	 FILES_AT(hc_arg_##NAME, p2, struct ukvm_fs_path),                                         \
	 FILES_AT(hc_arg_##NAME, tg, ukvm_gpa_t),                                                  \
	 FILES_AT(hc_arg_##NAME, tl, uint64_t),                                                    \
	 FILES_AT(hc_arg_##NAME, h, int32_t),                                                      \
	 FILES_AT(hc_arg_##NAME, b, ukvm_gpa_t),                                                   \
	 FILES_AT(hc_arg_##NAME, l, uint64_t),                                                     \
	 FILES_AT(hc_arg_##NAME, d, ukvm_gpa_t),                                                   \
	 FILES_AT(hc_arg_##NAME, ic, uint32_t),                                                    \
	 FILES_AT(hc_arg_##NAME, io, ukvm_gpa_t)},
static const struct files_call files_calls[] = {FILES_CALLS(FILES_ROW)};
#undef FILES_ROW
#define FILES_NCALLS (sizeof(files_calls) / sizeof(files_calls[0]))

/* The size of the argument in the input: the largest argument struct of
 * the table (the size of a union of one char[size] per row). */
#define FILES_ARG_MEMBER(NAME, ...) char NAME[sizeof(hc_arg_##NAME)];
union files_arg {
	FILES_CALLS(FILES_ARG_MEMBER)
};
#undef FILES_ARG_MEMBER
#define FILES_ARG_SIZE sizeof(union files_arg)

#endif
