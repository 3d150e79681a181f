#include "image/elf_image.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"

#define IMAGE_MAX_FILE (1ULL << 30)
#define IMAGE_MAX_SYMBOLS (1u << 20)
#define PAGE UKVM_PAGE_SIZE

#define BAD(...) ukvm_fail(err, errlen, EXIT_BAD_IMAGE, __VA_ARGS__)

static int seg_cmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0; /* sized first */
}

static int check_header(Elf *elf, GElf_Ehdr *eh, char *err, size_t errlen)
{
	size_t idlen;
	const char *id;

	if (elf_kind(elf) != ELF_K_ELF)
		return BAD("not an ELF file");
	id = elf_getident(elf, &idlen);
	if (!id || idlen < EI_NIDENT)
		return BAD("truncated ELF identification");
	if (id[EI_CLASS] != ELFCLASS64)
		return BAD("not a 64-bit ELF file (class %d)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return BAD("not a little-endian ELF file");
	if (!gelf_getehdr(elf, eh))
		return BAD("truncated or corrupt ELF header: %s", elf_errmsg(-1));
	if (eh->e_machine != EM_X86_64)
		return BAD("not an x86-64 ELF file (machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return BAD("not a static executable (ELF type %u%s): build it with unikvm-cc",
			   eh->e_type, eh->e_type == ET_DYN ? ", a shared object or PIE" : "");
	/* libelf and musl (AT_PHENT is sizeof(Elf64_Phdr): libguest/kernel/
	 * start.c) read the table with a stride of 56 whatever this says, so
	 * another value means the file is not what its header claims (readelf
	 * refuses it too). */
	if (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr))
		return BAD(
		    "program header entry size %u (e_phentsize), not %zu: a corrupt ELF file",
		    eh->e_phentsize, sizeof(Elf64_Phdr));
	return 0;
}

/* n entries of size bytes each, saturating. */
static uint64_t table_size(uint64_t n, uint64_t size)
{
	return n > UINT64_MAX / size ? UINT64_MAX : n * size;
}

int elf_ranges(Elf *elf, int (*fn)(const struct elf_range *r, void *ctx), void *ctx)
{
	GElf_Ehdr eh;
	size_t n;
	int r;

	if (!gelf_getehdr(elf, &eh))
		return 0;
	/* libelf counts only the headers that fit in the file: the header's
	 * count, unless it is PN_XNUM (the count is in section 0). */
	n = eh.e_phnum;
	if (n == PN_XNUM && elf_getphdrnum(elf, &n))
		n = 0;
	if (n) {
		struct elf_range t = {ELF_RANGE_PHDRS, 0, eh.e_phoff,
				      table_size(n, sizeof(Elf64_Phdr))};
		if ((r = fn(&t, ctx)))
			return r;
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			struct elf_range s = {ELF_RANGE_SEGMENT, i, 0, 0};
			if (!gelf_getphdr(elf, (int)i, &ph))
				continue;
			s.offset = ph.p_offset;
			s.size = ph.p_filesz;
			if ((r = fn(&s, ctx)))
				return r;
		}
	}
	/* libelf counts no sections when their table is past the end of the
	 * file: again the header's count, unless it is 0 (extended numbering:
	 * the count is in section 0, which then must exist). */
	n = eh.e_shnum;
	if (eh.e_shoff && !n && (elf_getshdrnum(elf, &n) || !n))
		n = 1;
	if (eh.e_shoff && n) {
		struct elf_range t = {ELF_RANGE_SHDRS, 0, eh.e_shoff,
				      table_size(n, sizeof(Elf64_Shdr))};
		if ((r = fn(&t, ctx)))
			return r;
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
			    sh.sh_type == SHT_NULL)
				continue;
			struct elf_range s = {ELF_RANGE_SECTION, elf_ndxscn(scn), sh.sh_offset,
					      sh.sh_size};
			if ((r = fn(&s, ctx)))
				return r;
		}
	}
	return 0;
}

struct range_check {
	size_t file_size;
	char *err;
	size_t errlen;
};

static int check_range(const struct elf_range *range, void *ctx)
{
	const struct range_check *c = ctx;
	char *err = c->err;
	size_t errlen = c->errlen;
	char what[64];

	if (range->offset <= c->file_size && range->size <= c->file_size - range->offset)
		return 0;
	if (range->kind == ELF_RANGE_SEGMENT || range->kind == ELF_RANGE_SECTION)
		snprintf(what, sizeof(what), "%s %zu",
			 range->kind == ELF_RANGE_SEGMENT ? "segment" : "section", range->index);
	else
		snprintf(what, sizeof(what), "the %s header table",
			 range->kind == ELF_RANGE_PHDRS ? "program" : "section");
	return BAD("truncated or corrupt: %s [0x%llx, +0x%llx) ends past the end of the file "
		   "(0x%zx bytes)",
		   what, (unsigned long long)range->offset, (unsigned long long)range->size,
		   c->file_size);
}

/* Every table, segment and section the headers describe is inside the file:
 * a truncated image can keep its loadable segments and lose the rest. */
static int check_file_ranges(Elf *elf, size_t file_size, char *err, size_t errlen)
{
	struct range_check c = {file_size, err, errlen};
	return elf_ranges(elf, check_range, &c);
}

static int check_load(const GElf_Phdr *ph, size_t i, char *err, size_t errlen)
{
	if (ph->p_flags & ~(uint64_t)(PF_R | PF_W | PF_X))
		return BAD("segment %zu: unknown flags 0x%x", i, (unsigned)ph->p_flags);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return BAD("segment %zu is both writable and executable (W^X)", i);
	if (ph->p_filesz > ph->p_memsz)
		return BAD("segment %zu: file size 0x%lx larger than memory size 0x%lx", i,
			   (unsigned long)ph->p_filesz, (unsigned long)ph->p_memsz);
	if (ph->p_vaddr < UKVM_IMAGE_BASE)
		return BAD("segment %zu at 0x%lx overlaps the VMM's low area (below 0x%x)", i,
			   (unsigned long)ph->p_vaddr, UKVM_IMAGE_BASE);
	if (ph->p_vaddr > UKVM_MEM_MAX || ph->p_memsz > UKVM_MEM_MAX - ph->p_vaddr)
		return BAD("segment %zu [0x%lx, +0x%lx) is outside guest memory (max 0x%llx)", i,
			   (unsigned long)ph->p_vaddr, (unsigned long)ph->p_memsz,
			   (unsigned long long)UKVM_MEM_MAX);
	return 0;
}

static int read_note(Elf *elf, const GElf_Phdr *ph, struct ukvm_note_image *out, int *found)
{
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off, next;
	GElf_Nhdr nh;

	if (!d)
		return -1;
	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == UKVM_NOTE_TYPE_IMAGE && nh.n_namesz == sizeof(UKVM_NOTE_NAME) &&
		    !memcmp((char *)d->d_buf + name_off, UKVM_NOTE_NAME, sizeof(UKVM_NOTE_NAME))) {
			if (nh.n_descsz != sizeof(*out))
				return -1;
			memcpy(out, (char *)d->d_buf + desc_off, sizeof(*out));
			(*found)++;
		}
		off = next;
	}
	return 0;
}

static int check_segments(struct image *img, Elf *elf, const GElf_Ehdr *eh, char *err,
			  size_t errlen)
{
	size_t phnum, i;
	int notes = 0, r;

	if (elf_getphdrnum(elf, &phnum) != 0 || phnum == 0)
		return BAD("no program headers");
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			return BAD("program header %zu unreadable (truncated?): %s", i,
				   elf_errmsg(-1));
		switch (ph.p_type) {
		case PT_LOAD:
			if ((r = check_load(&ph, i, err, errlen)))
				return r;
			if (img->nseg == IMAGE_MAX_SEGMENTS)
				return BAD("more than %d loadable segments", IMAGE_MAX_SEGMENTS);
			if (ph.p_memsz == 0)
				break;
			img->seg[img->nseg++] = (struct segment){
			    ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset, ph.p_flags};
			break;
		case PT_INTERP:
		case PT_DYNAMIC:
			return BAD("dynamically linked: a unikernel must be static (build it with "
				   "unikvm-cc)");
		case PT_NOTE:
			if (read_note(elf, &ph, &img->note, &notes))
				return BAD("malformed unikvm note");
			break;
		}
	}
	if (img->nseg == 0)
		return BAD("no loadable segments");
	if (notes == 0)
		return BAD("no unikvm ABI note: not built with unikvm-cc for unikvm");
	if (notes > 1)
		return BAD("more than one unikvm ABI note");
	if (img->note.abi_version != UKVM_ABI_VERSION)
		return BAD(
		    "built for unikvm ABI version %u, this unikvm runs version %d: rebuild it",
		    img->note.abi_version, UKVM_ABI_VERSION);
	if (img->note.flags)
		return BAD("unknown flags 0x%x in the unikvm note", img->note.flags);

	qsort(img->seg, img->nseg, sizeof(img->seg[0]), seg_cmp);
	for (i = 1; i < img->nseg; i++) {
		const struct segment *a = &img->seg[i - 1], *b = &img->seg[i];
		uint64_t a_end_page = (a->vaddr + a->memsz + PAGE - 1) / PAGE;
		if (a->vaddr + a->memsz > b->vaddr)
			return BAD("segments at 0x%lx and 0x%lx overlap", (unsigned long)a->vaddr,
				   (unsigned long)b->vaddr);
		if (a_end_page > b->vaddr / PAGE && a->flags != b->flags)
			return BAD(
			    "segments at 0x%lx and 0x%lx share a page with different permissions",
			    (unsigned long)a->vaddr, (unsigned long)b->vaddr);
	}
	img->end = img->seg[img->nseg - 1].vaddr + img->seg[img->nseg - 1].memsz;

	img->entry = eh->e_entry;
	for (i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		if ((s->flags & PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->filesz)
			return 0;
	}
	return BAD("entry point 0x%lx is not in an executable segment", (unsigned long)img->entry);
}

static void read_symbols(struct image *img, Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t n = d->d_size / sh.sh_entsize;
		if (n > IMAGE_MAX_SYMBOLS)
			n = IMAGE_MAX_SYMBOLS;
		struct symbol *syms = calloc(n ? n : 1, sizeof(*syms));
		if (!syms)
			return;
		img->syms = syms; /* kept as it fills: image_close frees it whatever happens */
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			int type = GELF_ST_TYPE(s.st_info);
			if (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !*name || !(syms[k].name = strdup(name)))
				continue;
			syms[k].addr = s.st_value;
			syms[k].size = s.st_size;
			img->nsyms = ++k;
		}
		qsort(syms, k, sizeof(*syms), sym_cmp);
		img->syms_sorted = true;
		return;
	}
}

static sigjmp_buf file_gone;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(file_gone, 1);
}

/* The symbol table is read on first use (a crash report, inspect), so a
 * run that ends well never pays for it: a cache, filled through a const
 * image (the image itself is not const, only the callers' view of it).
 * A mapped file that was truncated since it was opened (rebuilt in place
 * while the VM ran) raises SIGBUS where its pages went: caught here, it
 * leaves the image without symbols instead of killing the VMM. */
void image_read_symbols(const struct image *cimg)
{
	struct image *img = (struct image *)cimg;
	struct sigaction bus = {.sa_handler = on_sigbus}, old;
	static Elf *elf; /* static: still known after the jump */

	if (img->syms_read || !img->file)
		return;
	img->syms_read = true;
	elf = NULL;
	sigemptyset(&bus.sa_mask);
	if (img->mapped && sigaction(SIGBUS, &bus, &old) < 0)
		return;
	if (sigsetjmp(file_gone, 1) == 0) {
		if ((elf = elf_memory((char *)img->file, img->file_size)))
			read_symbols(img, elf);
	}
	if (!img->syms_sorted) { /* the file went away mid-way: no symbols */
		for (size_t i = 0; i < img->nsyms; i++)
			free(img->syms[i].name);
		free(img->syms);
		img->syms = NULL;
		img->nsyms = 0;
	}
	if (elf)
		elf_end(elf);
	if (img->mapped)
		sigaction(SIGBUS, &old, NULL);
}

/* image_parse on a malloc'd or (mapped) mmap'd file, which the image keeps
 * (or lets go). */
static int parse_owned(struct image *img, uint8_t *file, size_t size, bool mapped, char *err,
		       size_t errlen)
{
	GElf_Ehdr eh;
	Elf *elf;
	int r;

	memset(img, 0, sizeof(*img));
	img->file = file;
	img->file_size = size;
	img->mapped = mapped;
	if (elf_version(EV_CURRENT) == EV_NONE)
		r = BAD("libelf: %s", elf_errmsg(-1));
	else if (size == 0)
		r = BAD("empty file, not an ELF file");
	else if (!(elf = elf_memory((char *)img->file, size)))
		r = BAD("truncated or corrupt ELF header: %s", elf_errmsg(-1));
	else {
		r = check_header(elf, &eh, err, errlen);
		if (!r)
			r = check_file_ranges(elf, size, err, errlen);
		if (!r)
			r = check_segments(img, elf, &eh, err, errlen);
		elf_end(elf);
	}
	if (r)
		image_close(img); /* the caller gets nothing to close */
	return r;
}

int image_parse(struct image *img, const void *data, size_t size, char *err, size_t errlen)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy) {
		memset(img, 0, sizeof(*img));
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory reading the image");
	}
	memcpy(copy, data, size);
	return parse_owned(img, copy, size, false, err, errlen);
}

/* Opens path, a regular file of at most max bytes: its fd (its size in
 * *size), or minus the exit status, with the reason in err. */
static int open_bounded(const char *path, uint64_t max, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ukvm_fail(err, errlen, EXIT_NO_IMAGE, "%s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ukvm_fail(err, errlen, EXIT_BAD_IMAGE, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -ukvm_fail(err, errlen, EXIT_BAD_IMAGE, "larger than %llu MiB",
				  (unsigned long long)(max >> 20));
	}
	*size = (size_t)st.st_size;
	return fd;
}

int read_whole_file(const char *path, uint64_t max, uint8_t **data, size_t *size, char *err,
		    size_t errlen)
{
	uint8_t *buf;
	size_t got = 0, want;
	int fd = open_bounded(path, max, &want, err, errlen);

	if (fd < 0)
		return -fd;
	if (!(buf = malloc(want ? want : 1))) {
		close(fd);
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory reading the file");
	}
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			int r = ukvm_fail(err, errlen, EXIT_NO_IMAGE, "cannot read: %s",
					  n < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			close(fd);
			return r;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = got;
	return 0;
}

int image_open(struct image *img, const char *path, char *err, size_t errlen)
{
	size_t size;
	int fd = open_bounded(path, IMAGE_MAX_FILE, &size, err, errlen);

	memset(img, 0, sizeof(*img));
	if (fd < 0)
		return -fd;
	/* Mapped, not read: only the pages parsed and loaded are touched
	 * (docs/performance.md, "Boot, page faults"). */
	void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (map == MAP_FAILED)
		return ukvm_fail(err, errlen, EXIT_NO_IMAGE, "cannot read: %s", strerror(errno));
	return parse_owned(img, map, size, map != NULL, err, errlen);
}

void image_close(struct image *img)
{
	for (size_t i = 0; i < img->nsyms; i++)
		free(img->syms[i].name);
	free(img->syms);
	if (img->mapped)
		munmap(img->file, img->file_size);
	else
		free(img->file);
	memset(img, 0, sizeof(*img));
}

void image_load(const struct image *img, const struct gmem *m)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		memcpy(gmem_host(m, s->vaddr, s->filesz), img->file + s->offset, s->filesz);
	}
}

bool image_is_code(const struct image *img, uint64_t addr)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *s = &img->seg[i];
		if ((s->flags & SEG_X) && addr >= s->vaddr && addr - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

const struct symbol *image_symbol(const struct image *img, uint64_t addr, uint64_t *off)
{
	image_read_symbols(img);
	size_t lo = 0, hi = img->nsyms;
	const struct symbol *label = NULL;

	while (lo < hi) { /* lo: the first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (img->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Among the symbols at the closest address below addr, a sized one
	 * that contains it wins; otherwise a label (size 0) there. */
	for (size_t i = lo; i-- > 0 && img->syms[i].addr == img->syms[lo - 1].addr;) {
		const struct symbol *s = &img->syms[i];
		if (s->size && addr - s->addr < s->size) {
			*off = addr - s->addr;
			return s;
		}
		if (!s->size)
			label = s;
	}
	if (!label || !image_is_code(img, addr))
		return NULL;
	*off = addr - label->addr;
	return label;
}
