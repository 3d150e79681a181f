/*
 * vmm/image/elf_image.c on crafted images: the real apps/hello must parse, and
 * every mutation in bad_images.c must be refused with the expected status
 * and message. Usage: test_elf_image [HELLO] (default: the build's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad_images.h"
#include "image/elf_image.h"
#include "base/exit_status.h"
#include "core/gmem.h"

static const char *hello_path = UKVM_TEST_HELLO;
static uint8_t *base;
static size_t base_size;

/* ---- the base image, read without libelf -------------------------------- */

static Elf64_Ehdr base_ehdr(void)
{
	Elf64_Ehdr eh;
	memcpy(&eh, base, sizeof(eh));
	return eh;
}

static Elf64_Phdr base_phdr(unsigned i)
{
	Elf64_Ehdr eh = base_ehdr();
	Elf64_Phdr ph;
	memcpy(&ph, base + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* The symbol `name` from the base's .symtab (0 if not found). */
static int base_symbol(const char *name, uint64_t *addr, uint64_t *size)
{
	Elf64_Ehdr eh = base_ehdr();
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, base + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		memcpy(&str, base + eh.e_shoff + (size_t)sh.sh_link * sizeof(str), sizeof(str));
		for (size_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); k++) {
			Elf64_Sym s;
			memcpy(&s, base + sh.sh_offset + k * sizeof(s), sizeof(s));
			if (!strcmp((const char *)base + str.sh_offset + s.st_name, name)) {
				*addr = s.st_value;
				*size = s.st_size;
				return 1;
			}
		}
	}
	return 0;
}

/* ---- the base image parses ---------------------------------------------- */

static void test_base_parses(void **state)
{
	(void)state;
	struct image img;
	char err[512] = "";
	Elf64_Ehdr eh = base_ehdr();

	assert_int_equal(image_parse(&img, base, base_size, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(img.file_size, base_size);
	assert_memory_equal(img.file, base, base_size);
	assert_int_equal(img.entry, eh.e_entry);
	assert_int_equal(img.nseg, 4);
	assert_int_equal(img.note.abi_version, UKVM_ABI_VERSION);
	assert_int_equal(img.note.flags, 0);

	/* sorted, above the low area, R / RX / R / RW as unikvm-cc lays them out */
	static const uint32_t flags[4] = {SEG_R, SEG_R | SEG_X, SEG_R, SEG_R | SEG_W};
	for (unsigned i = 0; i < img.nseg; i++) {
		assert_int_equal(img.seg[i].flags, flags[i]);
		assert_true(img.seg[i].vaddr >= UKVM_IMAGE_BASE);
		assert_true(img.seg[i].filesz <= img.seg[i].memsz);
		if (i)
			assert_true(img.seg[i - 1].vaddr + img.seg[i - 1].memsz <=
				    img.seg[i].vaddr);
	}
	/* each segment is the one its program header describes */
	unsigned n = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = base_phdr(i);
		if (ph.p_type != PT_LOAD)
			continue;
		assert_int_equal(img.seg[n].vaddr, ph.p_vaddr);
		assert_int_equal(img.seg[n].memsz, ph.p_memsz);
		assert_int_equal(img.seg[n].filesz, ph.p_filesz);
		assert_int_equal(img.seg[n].offset, ph.p_offset);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(img.end, img.seg[3].vaddr + img.seg[3].memsz);
	assert_in_range(img.entry, img.seg[1].vaddr, img.seg[1].vaddr + img.seg[1].filesz - 1);
	assert_false(img.syms_read); /* read on first use only */
	image_read_symbols(&img);
	assert_true(img.nsyms > 10);
	for (size_t i = 1; i < img.nsyms; i++)
		assert_true(img.syms[i - 1].addr <= img.syms[i].addr);
	image_close(&img);
	assert_null(img.file);
	assert_null(img.syms);
	assert_int_equal(img.nsyms, 0);
}

static void test_symbols(void **state)
{
	(void)state;
	struct image img;
	char err[512];
	uint64_t main_addr = 0, main_size = 0, off = 12345;
	const struct symbol *s;

	assert_true(base_symbol("main", &main_addr, &main_size));
	assert_true(main_size > 1);
	assert_int_equal(image_parse(&img, base, base_size, err, sizeof(err)), 0);

	s = image_symbol(&img, main_addr, &off);
	assert_non_null(s);
	assert_string_equal(s->name, "main");
	assert_int_equal(s->addr, main_addr);
	assert_int_equal(s->size, main_size);
	assert_int_equal(off, 0);

	s = image_symbol(&img, main_addr + main_size / 2, &off);
	assert_non_null(s);
	assert_string_equal(s->name, "main");
	assert_int_equal(off, main_size / 2);

	s = image_symbol(&img, main_addr + main_size - 1, &off);
	assert_non_null(s);
	assert_string_equal(s->name, "main");
	assert_int_equal(off, main_size - 1);

	/* past its end: something else, or nothing, but not main */
	s = image_symbol(&img, main_addr + main_size, &off);
	if (s)
		assert_string_not_equal(s->name, "main");

	/* below every symbol */
	off = 777;
	assert_null(image_symbol(&img, 0x1000, &off));
	assert_null(image_symbol(&img, 0, &off));
	assert_int_equal(off, 777);
	image_close(&img);

	/* an image without symbols */
	struct image empty = {0};
	assert_null(image_symbol(&empty, main_addr, &off));
}

/* image_load: file data at vaddr, the rest (bss) zero. */
static void test_load(void **state)
{
	(void)state;
	struct image img;
	struct gmem m;
	char err[512];

	assert_int_equal(image_parse(&img, base, base_size, err, sizeof(err)), 0);
	assert_int_equal(gmem_init(&m, (img.end + 0xfffff) & ~0xfffffULL), 0);
	image_load(&img, &m);
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct segment *s = &img.seg[i];
		assert_memory_equal(m.host + s->vaddr, base + s->offset, s->filesz);
		for (uint64_t a = s->vaddr + s->filesz; a < s->vaddr + s->memsz; a++)
			if (m.host[a])
				fail_msg("segment %u: byte 0x%llx of bss is not zero", i,
					 (unsigned long long)a);
	}
	assert_int_equal(m.host[UKVM_IMAGE_BASE - 1], 0); /* nothing below */
	gmem_free(&m);
	image_close(&img);
}

/* Limits that are still fine. */
static void test_boundaries_accepted(void **state)
{
	(void)state;
	struct image img;
	char err[512];
	uint8_t *copy = malloc(base_size);
	Elf64_Ehdr eh = base_ehdr();
	assert_non_null(copy);

	/* the RW segment ending exactly at UKVM_MEM_MAX */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = base_phdr(i);
		if (ph.p_type != PT_LOAD || ph.p_flags != (PF_R | PF_W))
			continue;
		memcpy(copy, base, base_size);
		ph.p_memsz = UKVM_MEM_MAX - ph.p_vaddr;
		memcpy(copy + eh.e_phoff + (size_t)i * sizeof(ph), &ph, sizeof(ph));
		assert_int_equal(image_parse(&img, copy, base_size, err, sizeof(err)), 0);
		assert_int_equal(img.end, UKVM_MEM_MAX);
		image_close(&img);
	}

	/* entry at the last byte of the text segment's file data */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = base_phdr(i);
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		Elf64_Ehdr e2 = eh;
		memcpy(copy, base, base_size);
		e2.e_entry = ph.p_vaddr + ph.p_filesz - 1;
		memcpy(copy, &e2, sizeof(e2));
		assert_int_equal(image_parse(&img, copy, base_size, err, sizeof(err)), 0);
		assert_int_equal(img.entry, e2.e_entry);
		image_close(&img);
		e2.e_entry = ph.p_vaddr;
		memcpy(copy, &e2, sizeof(e2));
		assert_int_equal(image_parse(&img, copy, base_size, err, sizeof(err)), 0);
		image_close(&img);
	}

	/* no symbol table: fine, just no names in reports */
	Elf64_Ehdr e3 = eh;
	memcpy(copy, base, base_size);
	e3.e_shoff = 0;
	e3.e_shnum = 0;
	e3.e_shstrndx = SHN_UNDEF;
	memcpy(copy, &e3, sizeof(e3));
	assert_int_equal(image_parse(&img, copy, base_size, err, sizeof(err)), 0);
	assert_int_equal(img.nsyms, 0);
	image_close(&img);
	free(copy);
}

/* ---- the mutations ------------------------------------------------------ */

static void test_bad_image(void **state)
{
	const struct bad_image *bi = *state;
	struct bad_buf b;
	struct image img;
	char err[512];

	if (bad_image_make(bi, base, base_size, &b) != 0)
		fail_msg("%s: cannot make the mutation: %s", bi->name, b.why);
	memset(err, 0, sizeof(err));
	int r = image_parse(&img, b.data, b.size, err, sizeof(err));
	image_close(&img);
	bad_buf_free(&b);
	if (bi->parse_ok) { /* refused later, by `unikvm run` (bad-images.sh) */
		if (r != 0)
			fail_msg("%s: image_parse() = %d \"%s\", expected 0", bi->name, r, err);
		return;
	}
	if (r != bi->status || !strstr(err, b.msg) || strchr(err, '\n'))
		fail_msg("%s: image_parse() = %d \"%s\", expected %d with \"%s\"", bi->name, r, err,
			 bi->status, b.msg);
}

/* The table covers what it must: every mutation is distinct, and the list
 * the brief asked for is there. */
static void test_table(void **state)
{
	(void)state;
	static const char *const required[] = {
	    "empty",	       "bad-magic",	    "class32",	     "big-endian",
	    "machine-aarch64", "type-dyn",	    "header-cut-40", "segment-cut",
	    "load-low",	       "load-past-mem-max", "load-wrap",     "wx-text",
	    "filesz-gt-memsz", "entry-rodata",	    "note-name",     "note-type",
	    "abi-version",     "note-flags",	    "overlap",	     "interp",
	    "phentsize-64",    "cut-one-byte",	    "cut-half",	     "section-beyond-eof",
	};
	assert_true(bad_images_count >= 12);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		size_t k = 0;
		while (k < bad_images_count && strcmp(bad_images[k].name, required[i]))
			k++;
		if (k == bad_images_count)
			fail_msg("no mutation \"%s\"", required[i]);
	}
	for (size_t i = 0; i < bad_images_count; i++)
		for (size_t k = i + 1; k < bad_images_count; k++)
			assert_string_not_equal(bad_images[i].name, bad_images[k].name);
}

/* The note's descriptor, as the ABI-version mutation finds it. */
static void test_note_desc(void **state)
{
	(void)state;
	struct ukvm_note_image note;
	size_t d = bad_images_note_desc(base, base_size);
	assert_true(d > sizeof(Elf64_Ehdr));
	memcpy(&note, base + d, sizeof(note));
	assert_int_equal(note.abi_version, UKVM_ABI_VERSION);
	assert_int_equal(note.flags, 0);
}

/* A short err buffer: truncated, NUL-terminated, nothing written past it. */
static void test_short_err(void **state)
{
	(void)state;
	struct image img;
	char err[16];
	memset(err, '#', sizeof(err));
	int r = image_parse(&img, base, 0, err, 8);
	image_close(&img);
	assert_int_equal(r, EXIT_BAD_IMAGE);
	assert_string_equal(err, "empty f");
	for (size_t i = 8; i < sizeof(err); i++)
		assert_int_equal(err[i], '#');
}

/* ---- random mutations: whatever image_parse() accepts is safe to use ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The promises of elf_image.h about an image it accepted. */
static void check_accepted(const struct image *img, int iter)
{
#define INV(c)                                                                                     \
	do {                                                                                       \
		if (!(c))                                                                          \
			fail_msg("iteration %d: accepted image breaks: %s", iter, #c);             \
	} while (0)
	int entry_ok = 0;
	INV(img->nseg >= 1 && img->nseg <= IMAGE_MAX_SEGMENTS);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct segment *g = &img->seg[i];
		INV(g->vaddr >= UKVM_IMAGE_BASE);
		INV(g->vaddr <= UKVM_MEM_MAX && g->memsz <= UKVM_MEM_MAX - g->vaddr);
		INV(g->memsz > 0 && g->filesz <= g->memsz);
		INV(g->offset <= img->file_size && g->filesz <= img->file_size - g->offset);
		INV(!(g->flags & ~(uint32_t)(SEG_R | SEG_W | SEG_X)));
		INV(!((g->flags & SEG_W) && (g->flags & SEG_X)));
		if (i) {
			const struct segment *a = &img->seg[i - 1];
			INV(a->vaddr + a->memsz <= g->vaddr);
			INV((a->vaddr + a->memsz + UKVM_PAGE_SIZE - 1) / UKVM_PAGE_SIZE <=
				g->vaddr / UKVM_PAGE_SIZE ||
			    a->flags == g->flags);
		}
		if ((g->flags & SEG_X) && img->entry >= g->vaddr &&
		    img->entry - g->vaddr < g->filesz)
			entry_ok = 1;
	}
	INV(entry_ok);
	INV(img->end == img->seg[img->nseg - 1].vaddr + img->seg[img->nseg - 1].memsz);
	INV(img->note.abi_version == UKVM_ABI_VERSION && img->note.flags == 0);
	for (size_t i = 0; i < img->nsyms; i++) {
		INV(img->syms[i].name && img->syms[i].name[0]);
		INV(i == 0 || img->syms[i - 1].addr <= img->syms[i].addr);
	}
	for (int k = 0; k < 8; k++) {
		uint64_t a =
		    k < 4 ? rnd() : img->seg[0].vaddr + rnd() % (img->end - img->seg[0].vaddr);
		uint64_t off = 0;
		const struct symbol *sy = image_symbol(img, a, &off);
		INV(!sy || (sy->addr <= a && off == a - sy->addr));
	}
#undef INV
}

static void test_random_mutations(void **state)
{
	(void)state;
	uint8_t *copy = malloc(base_size);
	Elf64_Ehdr eh = base_ehdr();
	char err[512];
	int accepted = 0, refused = 0, iters = 3000;
	const char *env = getenv("UKVM_TEST_MUTATIONS"); /* more, for a deeper run */
	assert_non_null(copy);
	if (env && atoi(env) > 0)
		iters = atoi(env);

	for (int iter = 0; iter < iters; iter++) {
		memcpy(copy, base, base_size);
		size_t size = base_size;
		int n = 1 + (int)(rnd() % 6);
		for (int k = 0; k < n; k++) {
			uint64_t where = rnd() % 10, off;
			if (where < 6) /* ELF header, program headers, the note */
				off = rnd() % 0x200;
			else if (where < 8 && eh.e_shoff < base_size) /* section headers */
				off = eh.e_shoff + rnd() % (base_size - eh.e_shoff);
			else
				off = rnd() % base_size;
			uint64_t v = rnd();
			switch (v % 4) {
			case 0:
				copy[off] = 0;
				break;
			case 1:
				copy[off] = 0xff;
				break;
			case 2:
				copy[off] ^= (uint8_t)(1u << (v >> 8) % 8);
				break;
			default:
				copy[off] = (uint8_t)(v >> 16);
				break;
			}
		}
		if (rnd() % 16 == 0)
			size = (size_t)(rnd() % base_size);
		struct image img;
		err[0] = 0;
		int r = image_parse(&img, copy, size, err, sizeof(err));
		if (r == 0) {
			accepted++;
			check_accepted(&img, iter);
		} else {
			refused++;
			if (r != EXIT_BAD_IMAGE || !err[0] || strchr(err, '\n'))
				fail_msg("iteration %d: image_parse() = %d \"%s\"", iter, r, err);
		}
		image_close(&img);
	}
	free(copy);
	print_message("random mutations: %d accepted, %d refused\n", accepted, refused);
	assert_true(accepted > 0 && refused > 0);
}

/* ---- image_open --------------------------------------------------------- */

static void test_open_ok(void **state)
{
	(void)state;
	struct image img;
	char err[512];
	assert_int_equal(image_open(&img, hello_path, err, sizeof(err)), 0);
	assert_int_equal(img.file_size, base_size);
	assert_int_equal(img.nseg, 4);
	assert_int_equal(img.entry, base_ehdr().e_entry);
	image_close(&img);
}

static void test_open_missing(void **state)
{
	(void)state;
	struct image img;
	char err[512] = "";
	int r = image_open(&img, "/nonexistent/unikvm-test/hello", err, sizeof(err));
	image_close(&img);
	assert_int_equal(r, EXIT_NO_IMAGE);
	assert_string_equal(err, "No such file or directory");
}

static void test_open_directory(void **state)
{
	(void)state;
	struct image img;
	char err[512] = "";
	int r = image_open(&img, "/", err, sizeof(err));
	image_close(&img);
	assert_int_equal(r, EXIT_BAD_IMAGE);
	assert_string_equal(err, "not a regular file");
}

static void test_open_empty_and_truncated(void **state)
{
	(void)state;
	struct image img;
	char err[512] = "", path[] = "/tmp/unikvm-test-XXXXXX";
	int fd = mkstemp(path), r;
	assert_true(fd >= 0);

	r = image_open(&img, path, err, sizeof(err));
	image_close(&img);
	assert_int_equal(r, EXIT_BAD_IMAGE);
	assert_string_equal(err, "empty file, not an ELF file");

	/* cut in the middle of the text segment */
	Elf64_Ehdr eh = base_ehdr();
	size_t cut = 0;
	for (unsigned i = 0; i < eh.e_phnum && !cut; i++) {
		Elf64_Phdr ph = base_phdr(i);
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
			cut = (size_t)(ph.p_offset + ph.p_filesz / 2);
	}
	assert_true(cut > 0 && cut < base_size);
	assert_int_equal(write(fd, base, cut), (ssize_t)cut);
	close(fd);
	r = image_open(&img, path, err, sizeof(err));
	image_close(&img);
	unlink(path);
	assert_int_equal(r, EXIT_BAD_IMAGE);
	assert_non_null(strstr(err, "truncated or corrupt: segment "));
	assert_non_null(strstr(err, " ends past the end of the file"));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		hello_path = argv[1];
	if (bad_images_read_file(hello_path, &base, &base_size) != 0) {
		perror(hello_path);
		return 1;
	}

	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_base_parses),	   cmocka_unit_test(test_symbols),
	    cmocka_unit_test(test_load),	   cmocka_unit_test(test_boundaries_accepted),
	    cmocka_unit_test(test_table),	   cmocka_unit_test(test_note_desc),
	    cmocka_unit_test(test_short_err),	   cmocka_unit_test(test_random_mutations),
	    cmocka_unit_test(test_open_ok),	   cmocka_unit_test(test_open_missing),
	    cmocka_unit_test(test_open_directory), cmocka_unit_test(test_open_empty_and_truncated),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), n = nfixed + bad_images_count;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	char(*names)[64] = calloc(bad_images_count, sizeof(*names));
	if (!tests || !names)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < bad_images_count; i++) {
		snprintf(names[i], sizeof(names[i]), "bad_image:%s", bad_images[i].name);
		tests[nfixed + i] = (struct CMUnitTest){
		    .name = names[i],
		    .test_func = test_bad_image,
		    .initial_state = (void *)&bad_images[i],
		};
	}
	int r = _cmocka_run_group_tests("elf_image", tests, n, NULL, NULL);
	free(tests);
	free(names);
	free(base);
	return r;
}
