/*
 * The mutation table (see bad_images.h). Every mutation edits one thing of
 * a real image so that exactly one check of vmm/image/elf_image.c must refuse it
 * (or, for the few marked parse_ok, one check `unikvm run` makes after
 * parsing, still before /dev/kvm); where the message names addresses or indexes, the mutation
 * writes the exact expected text into b->msg, computed from the base image.
 *
 * ELF structures are read and written with memcpy (no alignment
 * assumptions), through <elf.h>'s Elf64_* types.
 */
#include "bad_images.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unikvm/abi.h>

#include "base/exit_status.h"

#define PHDR_SIZE sizeof(Elf64_Phdr)

/* ---- helpers ------------------------------------------------------------ */

static int need_fail(struct bad_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int need_fail(struct bad_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return -1;
}

#define NEED(cond, ...)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return need_fail(b, __VA_ARGS__);                                          \
	} while (0)

static void expect(struct bad_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void expect(struct bad_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
}

static int ehdr_get(const struct bad_buf *b, Elf64_Ehdr *eh)
{
	if (b->size < sizeof(*eh))
		return -1;
	memcpy(eh, b->data, sizeof(*eh));
	return 0;
}

static void ehdr_put(struct bad_buf *b, const Elf64_Ehdr *eh)
{
	memcpy(b->data, eh, sizeof(*eh));
}

/* Offset of program header i, or 0 if it is not inside the file. */
static size_t phdr_off(const struct bad_buf *b, unsigned i)
{
	Elf64_Ehdr eh;
	if (ehdr_get(b, &eh) || i >= eh.e_phnum || eh.e_phentsize != PHDR_SIZE ||
	    eh.e_phoff > b->size || (uint64_t)(i + 1) * PHDR_SIZE > b->size - eh.e_phoff)
		return 0;
	return (size_t)(eh.e_phoff + (uint64_t)i * PHDR_SIZE);
}

static int phdr_get(const struct bad_buf *b, unsigned i, Elf64_Phdr *ph)
{
	size_t off = phdr_off(b, i);
	if (!off)
		return -1;
	memcpy(ph, b->data + off, sizeof(*ph));
	return 0;
}

static void phdr_put(struct bad_buf *b, unsigned i, const Elf64_Phdr *ph)
{
	size_t off = phdr_off(b, i);
	if (off)
		memcpy(b->data + off, ph, sizeof(*ph));
}

/* Index of the n-th (from 0) program header of type (with exactly flags,
 * unless flags is -1), or -1. */
static int phdr_find_nth(const struct bad_buf *b, uint32_t type, int64_t flags, int n)
{
	Elf64_Phdr ph;
	for (unsigned i = 0; phdr_get(b, i, &ph) == 0; i++)
		if (ph.p_type == type && (flags < 0 || ph.p_flags == (uint64_t)flags) && n-- == 0)
			return (int)i;
	return -1;
}

/* The four PT_LOADs of a unikvm-cc image: R (the note), RX (text), R
 * (rodata), RW (data, bss). A search for an R PT_LOAD finds rodata, the
 * second one. */
#define TEXT_FLAGS (PF_R | PF_X)
#define RODATA_FLAGS PF_R
#define DATA_FLAGS (PF_R | PF_W)

static int phdr_find(const struct bad_buf *b, uint32_t type, int64_t flags)
{
	if (type == PT_LOAD && flags == RODATA_FLAGS)
		return phdr_find_nth(b, type, flags, 1);
	return phdr_find_nth(b, type, flags, 0);
}

#define FIND(var, type, flags)                                                                     \
	int var = phdr_find(b, type, flags);                                                       \
	NEED(var >= 0, "no program header of type %u flags %lld", (unsigned)(type),                \
	     (long long)(flags))

static size_t note_desc(const uint8_t *data, size_t size)
{
	struct bad_buf tmp = {.data = (uint8_t *)data, .size = size};
	Elf64_Phdr ph;

	for (unsigned i = 0; phdr_get(&tmp, i, &ph) == 0; i++) {
		if (ph.p_type != PT_NOTE || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		size_t off = (size_t)ph.p_offset, end = off + (size_t)ph.p_filesz;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			Elf64_Nhdr nh;
			memcpy(&nh, data + off, sizeof(nh));
			size_t name = off + sizeof(nh);
			size_t desc = name + ((nh.n_namesz + 3) & ~3u);
			size_t next = desc + ((nh.n_descsz + 3) & ~3u);
			if (next > end || next <= off)
				break;
			if (nh.n_type == UKVM_NOTE_TYPE_IMAGE &&
			    nh.n_namesz == sizeof(UKVM_NOTE_NAME) &&
			    !memcmp(data + name, UKVM_NOTE_NAME, sizeof(UKVM_NOTE_NAME)) &&
			    nh.n_descsz == sizeof(struct ukvm_note_image))
				return desc;
			off = next;
		}
	}
	return 0;
}

size_t bad_images_note_desc(const uint8_t *data, size_t size)
{
	return note_desc(data, size);
}

/* The note's header: its descriptor minus the name and the Nhdr. */
static size_t note_hdr(const struct bad_buf *b)
{
	size_t desc = note_desc(b->data, b->size);
	return desc ? desc - ((sizeof(UKVM_NOTE_NAME) + 3) & ~3u) - sizeof(Elf64_Nhdr) : 0;
}

/* ---- the mutations: ELF header ------------------------------------------ */

static int m_empty(struct bad_buf *b)
{
	b->size = 0;
	return 0;
}

static int m_bad_magic(struct bad_buf *b)
{
	NEED(b->size >= SELFMAG, "short file");
	memcpy(b->data, "\177ELV", SELFMAG);
	return 0;
}

static int m_text_file(struct bad_buf *b)
{
	static const char text[] = "#!/bin/sh\necho hello\n";
	NEED(b->size >= sizeof(text) - 1, "short file");
	memcpy(b->data, text, sizeof(text) - 1);
	b->size = sizeof(text) - 1;
	return 0;
}

static int m_class32(struct bad_buf *b)
{
	b->data[EI_CLASS] = ELFCLASS32;
	return 0;
}

static int m_big_endian(struct bad_buf *b)
{
	b->data[EI_DATA] = ELFDATA2MSB;
	return 0;
}

static int m_machine(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_machine = EM_AARCH64;
	ehdr_put(b, &eh);
	return 0;
}

static int m_type_dyn(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_type = ET_DYN;
	ehdr_put(b, &eh);
	return 0;
}

static int m_type_rel(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_type = ET_REL;
	ehdr_put(b, &eh);
	return 0;
}

static int m_cut_header(struct bad_buf *b)
{
	NEED(b->size > 40, "short file");
	b->size = 40;
	return 0;
}

/* ---- program headers ---------------------------------------------------- */

static int m_no_phdrs(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_phnum = 0;
	eh.e_phoff = 0;
	ehdr_put(b, &eh);
	return 0;
}

/* The program header table runs past the end of the file. */
static int m_phdrs_cut(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	NEED(eh.e_phnum >= 2, "fewer than 2 program headers");
	eh.e_phoff = b->size - PHDR_SIZE; /* room for one of them */
	ehdr_put(b, &eh);
	return 0;
}

/* Program headers spaced other than sizeof(Elf64_Phdr) apart. */
static int set_phentsize(struct bad_buf *b, unsigned size)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_phentsize = (Elf64_Half)size;
	ehdr_put(b, &eh);
	expect(b, "program header entry size %u (e_phentsize), not %zu: a corrupt ELF file", size,
	       PHDR_SIZE);
	return 0;
}

static int m_phentsize_64(struct bad_buf *b)
{
	return set_phentsize(b, 64);
}

static int m_phentsize_0(struct bad_buf *b)
{
	return set_phentsize(b, 0);
}

/* The expected message for a range [off, +size) past the end of the file. */
static void expect_past_end(struct bad_buf *b, const char *what, uint64_t off, uint64_t size)
{
	expect(b,
	       "truncated or corrupt: %s [0x%llx, +0x%llx) ends past the end of the file (0x%zx "
	       "bytes)",
	       what, (unsigned long long)off, (unsigned long long)size, b->size);
}

/* Cut to new_size, which keeps every loadable segment but loses the section
 * header table at the end of the file. */
static int cut_keeping_segments(struct bad_buf *b, size_t new_size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	NEED(!ehdr_get(b, &eh), "short file");
	NEED(eh.e_shnum && eh.e_shoff + eh.e_shnum * sizeof(Elf64_Shdr) == b->size,
	     "the section header table is not at the end of the file");
	for (unsigned i = 0; phdr_get(b, i, &ph) == 0; i++)
		NEED(ph.p_offset + ph.p_filesz <= new_size, "segment %u does not survive the cut",
		     i);
	b->size = new_size;
	expect_past_end(b, "the section header table", eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
	return 0;
}

static int m_cut_one_byte(struct bad_buf *b)
{
	return cut_keeping_segments(b, b->size - 1);
}

static int m_cut_half(struct bad_buf *b)
{
	return cut_keeping_segments(b, b->size / 2);
}

/* The symbol table's data moved to past the end of the file. */
static int m_section_beyond_eof(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	NEED(!ehdr_get(b, &eh), "short file");
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		size_t off = (size_t)(eh.e_shoff + i * sizeof(sh));
		NEED(off + sizeof(sh) <= b->size, "section header %u past the end", i);
		memcpy(&sh, b->data + off, sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		sh.sh_offset = b->size - sh.sh_size + 1;
		memcpy(b->data + off, &sh, sizeof(sh));
		char what[32];
		snprintf(what, sizeof(what), "section %u", i);
		expect_past_end(b, what, sh.sh_offset, sh.sh_size);
		return 0;
	}
	return need_fail(b, "no SHT_SYMTAB section");
}

/* A segment that loads nothing (GNU_STACK) given file data past the end. */
static int m_segment_beyond_eof(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(s, PT_GNU_STACK, -1);
	NEED(!phdr_get(b, (unsigned)s, &ph), "program header %d unreadable", (int)s);
	ph.p_offset = b->size;
	ph.p_filesz = 1;
	phdr_put(b, (unsigned)s, &ph);
	char what[32];
	snprintf(what, sizeof(what), "segment %d", s);
	expect_past_end(b, what, ph.p_offset, ph.p_filesz);
	return 0;
}

/* Cut in the middle of the text segment's file data. */
static int m_cut_segment(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(t, PT_LOAD, TEXT_FLAGS);
	NEED(!phdr_get(b, (unsigned)t, &ph), "program header %d unreadable", (int)t);
	NEED(ph.p_filesz >= 2 && ph.p_offset + ph.p_filesz <= b->size, "odd text segment");
	b->size = (size_t)(ph.p_offset + ph.p_filesz / 2);
	return 0;
}

/* The same, with the section header table (now beyond the end) dropped, so
 * that only the segment check can notice. */
static int m_cut_segment_noshdr(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FIND(t, PT_LOAD, TEXT_FLAGS);
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = SHN_UNDEF;
	ehdr_put(b, &eh);
	NEED(!phdr_get(b, (unsigned)t, &ph), "program header %d unreadable", (int)t);
	NEED(ph.p_filesz >= 2 && ph.p_offset + ph.p_filesz <= b->size, "odd text segment");
	b->size = (size_t)(ph.p_offset + ph.p_filesz / 2);
	char what[32];
	snprintf(what, sizeof(what), "segment %d", t);
	expect_past_end(b, what, ph.p_offset, ph.p_filesz);
	return 0;
}

/* A segment whose p_offset + p_filesz overflows. */
static int m_offset_wrap(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(d, PT_LOAD, DATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)d, &ph), "program header %d unreadable", (int)d);
	ph.p_offset = UINT64_MAX - 0xf;
	phdr_put(b, (unsigned)d, &ph);
	char what[32];
	snprintf(what, sizeof(what), "segment %d", d);
	expect_past_end(b, what, ph.p_offset, ph.p_filesz);
	return 0;
}

static int set_vaddr(struct bad_buf *b, int64_t flags, uint64_t vaddr, uint64_t memsz)
{
	Elf64_Phdr ph;
	FIND(i, PT_LOAD, flags);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	ph.p_vaddr = ph.p_paddr = vaddr;
	if (memsz)
		ph.p_memsz = memsz;
	phdr_put(b, (unsigned)i, &ph);
	return i;
}

static int m_load_low(struct bad_buf *b)
{
	int i = set_vaddr(b, DATA_FLAGS, UKVM_IMAGE_BASE - UKVM_PAGE_SIZE, 0);
	if (i < 0)
		return i;
	expect(b, "segment %d at 0x%x overlaps the VMM's low area (below 0x%x)", i,
	       UKVM_IMAGE_BASE - UKVM_PAGE_SIZE, UKVM_IMAGE_BASE);
	return 0;
}

static int m_load_page0(struct bad_buf *b)
{
	int i = set_vaddr(b, RODATA_FLAGS, 0, 0);
	if (i < 0)
		return i;
	expect(b, "segment %d at 0x0 overlaps the VMM's low area", i);
	return 0;
}

/* Ends one byte past UKVM_MEM_MAX. */
static int m_load_past_max(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(d, PT_LOAD, DATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)d, &ph), "program header %d unreadable", (int)d);
	ph.p_memsz = UKVM_MEM_MAX - ph.p_vaddr + 1;
	phdr_put(b, (unsigned)d, &ph);
	expect(b, "segment %d [0x%llx, +0x%llx) is outside guest memory (max 0x%llx)", d,
	       (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz,
	       (unsigned long long)UKVM_MEM_MAX);
	return 0;
}

/* vaddr + memsz wraps around 2^64 to a small number. */
static int m_load_wrap(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(d, PT_LOAD, DATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)d, &ph), "program header %d unreadable", (int)d);
	ph.p_memsz = UINT64_MAX - ph.p_vaddr + 0x2000;
	phdr_put(b, (unsigned)d, &ph);
	expect(b, "segment %d [0x%llx, +0x%llx) is outside guest memory", d,
	       (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz);
	return 0;
}

static int m_load_high(struct bad_buf *b)
{
	int i = set_vaddr(b, DATA_FLAGS, 0xffffffff80000000ULL, 0);
	if (i < 0)
		return i;
	Elf64_Phdr ph;
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	expect(b, "segment %d [0xffffffff80000000, +0x%llx) is outside guest memory", i,
	       (unsigned long long)ph.p_memsz);
	return 0;
}

static int set_flags(struct bad_buf *b, int64_t flags, uint32_t nflags)
{
	Elf64_Phdr ph;
	FIND(i, PT_LOAD, flags);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	ph.p_flags = nflags;
	phdr_put(b, (unsigned)i, &ph);
	return i;
}

static int m_wx(struct bad_buf *b)
{
	int i = set_flags(b, TEXT_FLAGS, PF_R | PF_W | PF_X);
	if (i < 0)
		return i;
	expect(b, "segment %d is both writable and executable (W^X)", i);
	return 0;
}

static int m_wx_data(struct bad_buf *b)
{
	int i = set_flags(b, DATA_FLAGS, PF_W | PF_X);
	if (i < 0)
		return i;
	expect(b, "segment %d is both writable and executable (W^X)", i);
	return 0;
}

static int m_seg_flags(struct bad_buf *b)
{
	int i = set_flags(b, RODATA_FLAGS, PF_R | 0x00100000);
	if (i < 0)
		return i;
	expect(b, "segment %d: unknown flags 0x100004", i);
	return 0;
}

static int m_filesz(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(d, PT_LOAD, DATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)d, &ph), "program header %d unreadable", (int)d);
	NEED(ph.p_filesz > 0, "empty data segment");
	ph.p_memsz = ph.p_filesz - 1;
	phdr_put(b, (unsigned)d, &ph);
	expect(b, "segment %d: file size 0x%llx larger than memory size 0x%llx", d,
	       (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
	return 0;
}

static int m_overlap(struct bad_buf *b)
{
	Elf64_Phdr t;
	FIND(ti, PT_LOAD, TEXT_FLAGS);
	NEED(!phdr_get(b, (unsigned)ti, &t), "program header %d unreadable", (int)ti);
	NEED(t.p_memsz > UKVM_PAGE_SIZE, "text smaller than a page");
	int i = set_vaddr(b, RODATA_FLAGS, t.p_vaddr + UKVM_PAGE_SIZE, 0);
	if (i < 0)
		return i;
	expect(b, "segments at 0x%llx and 0x%llx overlap", (unsigned long long)t.p_vaddr,
	       (unsigned long long)(t.p_vaddr + UKVM_PAGE_SIZE));
	return 0;
}

/* Two segments with the same start address. */
static int m_same_start(struct bad_buf *b)
{
	Elf64_Phdr r;
	FIND(ri, PT_LOAD, RODATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)ri, &r), "program header %d unreadable", (int)ri);
	int i = set_vaddr(b, DATA_FLAGS, r.p_vaddr, 0);
	if (i < 0)
		return i;
	expect(b, "segments at 0x%llx and 0x%llx overlap", (unsigned long long)r.p_vaddr,
	       (unsigned long long)r.p_vaddr);
	return 0;
}

/* rodata moved right after the end of text, into text's last page. */
static int m_share_page(struct bad_buf *b)
{
	Elf64_Phdr t;
	FIND(ti, PT_LOAD, TEXT_FLAGS);
	NEED(!phdr_get(b, (unsigned)ti, &t), "program header %d unreadable", (int)ti);
	uint64_t end = t.p_vaddr + t.p_memsz;
	NEED(end % UKVM_PAGE_SIZE, "text ends on a page boundary");
	int i = set_vaddr(b, RODATA_FLAGS, end, 0);
	if (i < 0)
		return i;
	expect(b, "segments at 0x%llx and 0x%llx share a page with different permissions",
	       (unsigned long long)t.p_vaddr, (unsigned long long)end);
	return 0;
}

static int m_no_load(struct bad_buf *b)
{
	Elf64_Phdr ph;
	int n = 0;
	for (unsigned i = 0; phdr_get(b, i, &ph) == 0; i++) {
		if (ph.p_type == PT_LOAD) {
			ph.p_type = PT_NULL;
			phdr_put(b, i, &ph);
			n++;
		}
	}
	NEED(n > 0, "no PT_LOAD");
	return 0;
}

/* 17 loadable segments: the base's own program headers plus enough small
 * read-only ones high up, in a new table appended to the file. */
static int m_too_many(struct bad_buf *b)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned nload = 0;

	NEED(!ehdr_get(b, &eh), "short file");
	for (unsigned i = 0; phdr_get(b, i, &ph) == 0; i++)
		nload += ph.p_type == PT_LOAD && ph.p_memsz;
	unsigned extra = 17 - nload, n = eh.e_phnum + extra;
	size_t off = (b->size + 7) & ~(size_t)7, size = off + n * PHDR_SIZE;
	uint8_t *p = realloc(b->data, size);
	NEED(p, "out of memory");
	b->data = p;
	memset(p + b->size, 0, size - b->size);
	memcpy(p + off, p + eh.e_phoff, eh.e_phnum * PHDR_SIZE);
	for (unsigned i = 0; i < extra; i++) {
		ph = (Elf64_Phdr){.p_type = PT_LOAD,
				  .p_flags = PF_R,
				  .p_vaddr = 0x10000000 + i * 0x10000ULL,
				  .p_memsz = 0x1000,
				  .p_align = UKVM_PAGE_SIZE};
		ph.p_paddr = ph.p_vaddr;
		memcpy(p + off + (eh.e_phnum + i) * PHDR_SIZE, &ph, sizeof(ph));
	}
	eh.e_phoff = off;
	eh.e_phnum = (Elf64_Half)n;
	b->size = size;
	ehdr_put(b, &eh);
	return 0;
}

/* GNU_STACK turned into another type. */
static int retype(struct bad_buf *b, uint32_t type)
{
	Elf64_Phdr ph;
	FIND(i, PT_GNU_STACK, -1);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	ph.p_type = type;
	phdr_put(b, (unsigned)i, &ph);
	return 0;
}

static int m_interp(struct bad_buf *b)
{
	return retype(b, PT_INTERP);
}

static int m_dynamic(struct bad_buf *b)
{
	return retype(b, PT_DYNAMIC);
}

/* ---- entry point -------------------------------------------------------- */

static int set_entry(struct bad_buf *b, uint64_t entry)
{
	Elf64_Ehdr eh;
	NEED(!ehdr_get(b, &eh), "short file");
	eh.e_entry = entry;
	ehdr_put(b, &eh);
	expect(b, "entry point 0x%llx is not in an executable segment", (unsigned long long)entry);
	return 0;
}

static int m_entry_rodata(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(i, PT_LOAD, RODATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	return set_entry(b, ph.p_vaddr + 0x10);
}

/* One byte past the text segment's file data. */
static int m_entry_past_text(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(i, PT_LOAD, TEXT_FLAGS);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	return set_entry(b, ph.p_vaddr + ph.p_filesz);
}

static int m_entry_zero(struct bad_buf *b)
{
	return set_entry(b, 0);
}

/* ---- the unikvm note ---------------------------------------------------- */

static int m_note_name(struct bad_buf *b)
{
	size_t h = note_hdr(b);
	NEED(h, "no unikvm note");
	b->data[h + sizeof(Elf64_Nhdr) + 5] = 'x'; /* "unikvx" */
	return 0;
}

static int m_note_type(struct bad_buf *b)
{
	Elf64_Nhdr nh;
	size_t h = note_hdr(b);
	NEED(h, "no unikvm note");
	memcpy(&nh, b->data + h, sizeof(nh));
	nh.n_type = UKVM_NOTE_TYPE_IMAGE + 1;
	memcpy(b->data + h, &nh, sizeof(nh));
	return 0;
}

static int m_note_descsz(struct bad_buf *b)
{
	Elf64_Nhdr nh;
	size_t h = note_hdr(b);
	NEED(h, "no unikvm note");
	memcpy(&nh, b->data + h, sizeof(nh));
	nh.n_descsz = 8;
	memcpy(b->data + h, &nh, sizeof(nh));
	return 0;
}

/* No PT_NOTE program header (the .note section is still there). */
static int m_note_no_phdr(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(i, PT_NOTE, -1);
	NEED(!phdr_get(b, (unsigned)i, &ph), "program header %d unreadable", (int)i);
	ph.p_type = PT_NULL;
	phdr_put(b, (unsigned)i, &ph);
	return 0;
}

/* A second PT_NOTE (GNU_STACK's slot) pointing at the same note. */
static int m_note_twice(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(n, PT_NOTE, -1);
	FIND(s, PT_GNU_STACK, -1);
	NEED(!phdr_get(b, (unsigned)n, &ph), "program header %d unreadable", (int)n);
	phdr_put(b, (unsigned)s, &ph);
	return 0;
}

static int m_note_beyond_eof(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(n, PT_NOTE, -1);
	NEED(!phdr_get(b, (unsigned)n, &ph), "program header %d unreadable", (int)n);
	ph.p_offset = b->size - ph.p_filesz + 1;
	phdr_put(b, (unsigned)n, &ph);
	char what[32];
	snprintf(what, sizeof(what), "segment %d", n);
	expect_past_end(b, what, ph.p_offset, ph.p_filesz);
	return 0;
}

static int set_note(struct bad_buf *b, uint32_t version, uint32_t flags)
{
	struct ukvm_note_image note;
	size_t d = note_desc(b->data, b->size);
	NEED(d, "no unikvm note");
	memcpy(&note, b->data + d, sizeof(note));
	note.abi_version = version;
	note.flags = flags;
	memcpy(b->data + d, &note, sizeof(note));
	return 0;
}

static int m_abi_version(struct bad_buf *b)
{
	expect(b, "built for unikvm ABI version %d, this unikvm runs version %d: rebuild it",
	       UKVM_ABI_VERSION + 1, UKVM_ABI_VERSION);
	return set_note(b, UKVM_ABI_VERSION + 1, 0);
}

static int m_abi_version0(struct bad_buf *b)
{
	expect(b, "built for unikvm ABI version 0, this unikvm runs version %d", UKVM_ABI_VERSION);
	return set_note(b, 0, 0);
}

static int m_note_flags(struct bad_buf *b)
{
	return set_note(b, UKVM_ABI_VERSION, 0x80);
}

/* ---- refused by `unikvm run` only --------------------------------------- */

/* The note asks for more RAM than a guest may have. */
static int m_min_mem(struct bad_buf *b)
{
	struct ukvm_note_image note;
	size_t d = note_desc(b->data, b->size);
	NEED(d, "no unikvm note");
	memcpy(&note, b->data + d, sizeof(note));
	note.min_mem = UKVM_MEM_MAX + 1;
	memcpy(b->data + d, &note, sizeof(note));
	expect(b, "the image asks for %llu MiB of RAM; the maximum is %llu",
	       (unsigned long long)((UKVM_MEM_MAX + UKVM_MEM_ALIGN) >> 20),
	       (unsigned long long)(UKVM_MEM_MAX >> 20));
	return 0;
}

/* A bss up to UKVM_MEM_MAX: valid, but it cannot fit the default RAM. */
static int m_huge_bss(struct bad_buf *b)
{
	Elf64_Phdr ph;
	FIND(d, PT_LOAD, DATA_FLAGS);
	NEED(!phdr_get(b, (unsigned)d, &ph), "program header %d unreadable", (int)d);
	ph.p_memsz = UKVM_MEM_MAX - ph.p_vaddr;
	phdr_put(b, (unsigned)d, &ph);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

#define BAD EXIT_BAD_IMAGE

const struct bad_image bad_images[] = {
    /* ELF header */
    {"empty", BAD, "empty file, not an ELF file", m_empty, 0},
    {"bad-magic", BAD, "not an ELF file", m_bad_magic, 0},
    {"text-file", BAD, "not an ELF file", m_text_file, 0},
    {"class32", BAD, "not a 64-bit ELF file (class 1)", m_class32, 0},
    {"big-endian", BAD, "not a little-endian ELF file", m_big_endian, 0},
    {"machine-aarch64", BAD, "not an x86-64 ELF file (machine 183)", m_machine, 0},
    {"type-dyn", BAD, "not a static executable (ELF type 3, a shared object or PIE)", m_type_dyn,
     0},
    {"type-rel", BAD, "not a static executable (ELF type 1): build it with unikvm-cc", m_type_rel,
     0},
    {"header-cut-40", BAD, "truncated or corrupt ELF header", m_cut_header, 0},
    /* program headers and segments */
    {"no-phdrs", BAD, "no program headers", m_no_phdrs, 0},
    {"phentsize-64", BAD, "program header entry size 64 (e_phentsize), not 56", m_phentsize_64, 0},
    {"phentsize-0", BAD, "program header entry size 0 (e_phentsize), not 56", m_phentsize_0, 0},
    {"phdrs-cut", BAD, "truncated or corrupt: the program header table", m_phdrs_cut, 0},
    {"segment-cut", BAD, "truncated or corrupt: segment", m_cut_segment, 0},
    {"segment-cut-noshdr", BAD, "ends past the end of the file", m_cut_segment_noshdr, 0},
    {"segment-offset-wrap", BAD, "ends past the end of the file", m_offset_wrap, 0},
    {"segment-beyond-eof", BAD, "ends past the end of the file", m_segment_beyond_eof, 0},
    /* cut short, every segment intact; sections */
    {"cut-one-byte", BAD, "truncated or corrupt: the section header table", m_cut_one_byte, 0},
    {"cut-half", BAD, "truncated or corrupt: the section header table", m_cut_half, 0},
    {"section-beyond-eof", BAD, "truncated or corrupt: section", m_section_beyond_eof, 0},
    {"load-low", BAD, "overlaps the VMM's low area", m_load_low, 0},
    {"load-page0", BAD, "overlaps the VMM's low area", m_load_page0, 0},
    {"load-past-mem-max", BAD, "is outside guest memory", m_load_past_max, 0},
    {"load-wrap", BAD, "is outside guest memory", m_load_wrap, 0},
    {"load-high", BAD, "is outside guest memory", m_load_high, 0},
    {"wx-text", BAD, "both writable and executable (W^X)", m_wx, 0},
    {"wx-data", BAD, "both writable and executable (W^X)", m_wx_data, 0},
    {"segment-flags", BAD, "unknown flags", m_seg_flags, 0},
    {"filesz-gt-memsz", BAD, "larger than memory size", m_filesz, 0},
    {"overlap", BAD, "overlap", m_overlap, 0},
    {"overlap-same-start", BAD, "overlap", m_same_start, 0},
    {"share-page", BAD, "share a page with different permissions", m_share_page, 0},
    {"no-load", BAD, "no loadable segments", m_no_load, 0},
    {"too-many-segments", BAD, "more than 16 loadable segments", m_too_many, 0},
    {"interp", BAD, "dynamically linked: a unikernel must be static", m_interp, 0},
    {"dynamic", BAD, "dynamically linked: a unikernel must be static", m_dynamic, 0},
    /* entry point */
    {"entry-rodata", BAD, "is not in an executable segment", m_entry_rodata, 0},
    {"entry-past-text", BAD, "is not in an executable segment", m_entry_past_text, 0},
    {"entry-zero", BAD, "entry point 0x0 is not in an executable segment", m_entry_zero, 0},
    /* the unikvm note */
    {"note-name", BAD, "no unikvm ABI note: not built with unikvm-cc for unikvm", m_note_name, 0},
    {"note-type", BAD, "no unikvm ABI note", m_note_type, 0},
    {"note-no-phdr", BAD, "no unikvm ABI note", m_note_no_phdr, 0},
    {"note-descsz", BAD, "malformed unikvm note", m_note_descsz, 0},
    {"note-twice", BAD, "more than one unikvm ABI note", m_note_twice, 0},
    {"note-beyond-eof", BAD, "ends past the end of the file", m_note_beyond_eof, 0},
    {"abi-version", BAD, "built for unikvm ABI version", m_abi_version, 0},
    {"abi-version-0", BAD, "built for unikvm ABI version 0", m_abi_version0, 0},
    {"note-flags", BAD, "unknown flags 0x80 in the unikvm note", m_note_flags, 0},
    /* valid ELF, but it does not fit in guest RAM */
    {"min-mem-too-big", BAD, "the image asks for", m_min_mem, 1},
    {"huge-bss", BAD, "the image needs more memory than 128 MiB: it ends at 3072 MiB", m_huge_bss,
     1},
};
const size_t bad_images_count = sizeof(bad_images) / sizeof(bad_images[0]);

/* ---- making them -------------------------------------------------------- */

int bad_image_make(const struct bad_image *bi, const uint8_t *base, size_t base_size,
		   struct bad_buf *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->msg, sizeof(out->msg), "%s", bi->msg);
	if (!(out->data = malloc(base_size ? base_size : 1))) {
		snprintf(out->why, sizeof(out->why), "out of memory");
		return -1;
	}
	memcpy(out->data, base, base_size);
	out->size = base_size;
	if (bi->mutate(out) != 0) {
		bad_buf_free(out);
		return -1;
	}
	if (!strstr(out->msg, bi->msg)) { /* a precise message must refine the table's */
		snprintf(out->why, sizeof(out->why),
			 "expected message \"%.100s\" does not contain \"%.100s\"", out->msg,
			 bi->msg);
		bad_buf_free(out);
		return -1;
	}
	return 0;
}

void bad_buf_free(struct bad_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}

int bad_images_read_file(const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	*data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*data) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(*data);
			close(fd);
			errno = n < 0 ? errno : EIO;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	return 0;
}
