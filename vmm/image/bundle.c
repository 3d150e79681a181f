#include "image/bundle.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "image/elf_image.h"
#include "base/exit_status.h"
#include "base/log.h"

#define BUNDLE_MAX_FILE (1280ULL << 20) /* a 1 GiB image plus the VMM */
#define CORRUPT(...) ukvm_fail(err, errlen, EXIT_BAD_IMAGE, __VA_ARGS__)

static int extend(const struct elf_range *r, void *ctx)
{
	uint64_t *extent = ctx;
	if (r->offset + r->size >= r->offset && r->offset + r->size > *extent)
		*extent = r->offset + r->size;
	return 0;
}

int elf_extent(const void *data, size_t size, uint64_t *extent)
{
	GElf_Ehdr eh;
	Elf *elf;

	if (size < SELFMAG || memcmp(data, ELFMAG, SELFMAG))
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE || !(elf = elf_memory((char *)data, size)))
		return -2;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		elf_end(elf);
		return -2;
	}
	*extent = eh.e_ehsize;
	elf_ranges(elf, extend, extent);
	elf_end(elf);
	return 0;
}

static uint32_t crc_of(const uint8_t *data, size_t len)
{
	return (uint32_t)crc32_z(crc32_z(0, Z_NULL, 0), data, len);
}

/* Splits the config into b->opts and b->args (pointers into cfg). */
static int parse_config(struct bundle *b, uint8_t *cfg, uint64_t size, char *err, size_t errlen)
{
	uint32_t nopts, nargs;

	if (size < 8)
		return CORRUPT("corrupt bundle: configuration of %llu bytes",
			       (unsigned long long)size);
	memcpy(&nopts, cfg, 4);
	memcpy(&nargs, cfg + 4, 4);
	if (nopts > BUNDLE_MAX_STRINGS || nargs > BUNDLE_MAX_STRINGS)
		return CORRUPT("corrupt bundle: %u options and %u arguments", nopts, nargs);
	char **v = calloc((size_t)nopts + nargs + 2, sizeof(*v));
	if (!v)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
	uint64_t pos = 8;
	for (uint32_t i = 0, k = 0; i < nopts + nargs; i++, k++) {
		const uint8_t *nul = pos < size ? memchr(cfg + pos, 0, size - pos) : NULL;
		if (!nul) {
			free(v);
			return CORRUPT("corrupt bundle: configuration string %u not terminated", i);
		}
		if (i == nopts)
			k++; /* the NULL that ends opts */
		v[k] = (char *)cfg + pos;
		pos = (uint64_t)(nul - cfg) + 1;
	}
	if (pos != size) {
		free(v);
		return CORRUPT("corrupt bundle: %llu stray bytes after the configuration",
			       (unsigned long long)(size - pos));
	}
	b->opts = v;
	b->nopts = (int)nopts;
	b->args = v + nopts + 1;
	b->nargs = (int)nargs;
	return 0;
}

int bundle_parse(struct bundle *b, uint8_t *file, size_t size, char *err, size_t errlen)
{
	struct bundle_trailer t;
	uint64_t extent;
	int r;

	memset(b, 0, sizeof(*b));
	switch (elf_extent(file, size, &extent)) {
	case -1:
		return 1;
	case -2:
		return 2;
	}
	if (extent == size)
		return 1;
	if (extent > size)
		return 2;
	if (size - extent < sizeof(t))
		return CORRUPT("corrupt bundle: %llu bytes after the VMM, too short for a trailer "
			       "(truncated?)",
			       (unsigned long long)(size - extent));
	memcpy(&t, file + size - sizeof(t), sizeof(t));
	if (memcmp(t.magic, BUNDLE_MAGIC, sizeof(t.magic)))
		return CORRUPT("corrupt bundle: no trailer at the end of the file (truncated?)");
	if (t.version != BUNDLE_VERSION || t.size != sizeof(t))
		return CORRUPT("bundle format version %u (trailer %u bytes); this unikvm reads "
			       "version %d",
			       t.version, t.size, BUNDLE_VERSION);
	uint64_t body = size - sizeof(t);
	if (t.image_off != extent || t.image_size > body - extent ||
	    t.config_size != body - extent - t.image_size || t.reserved)
		return CORRUPT("corrupt bundle: the trailer's offsets do not match the file "
			       "(truncated?)");
	if (crc_of(file, size - sizeof(t.crc)) != t.crc)
		return CORRUPT("corrupt bundle: checksum mismatch (the file was damaged)");
	if ((r = parse_config(b, file + extent + t.image_size, t.config_size, err, errlen)))
		return r;
	b->file = file;
	b->file_size = size;
	b->image = file + extent;
	b->image_size = t.image_size;
	return 0;
}

int bundle_read(struct bundle *b, const char *path, char *err, size_t errlen)
{
	uint8_t *file;
	size_t size;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = read_whole_file(path, BUNDLE_MAX_FILE, &file, &size, err, errlen)))
		return r;
	if ((r = bundle_parse(b, file, size, err, errlen)))
		free(file);
	return r;
}

void bundle_free(struct bundle *b)
{
	free(b->opts);
	free(b->file);
	memset(b, 0, sizeof(*b));
}

void bundle_print_words(const char *label, char **v, int n)
{
	printf("%s", label);
	if (!n)
		printf(" (none)");
	for (int i = 0; i < n; i++)
		printf(" '%s'", v[i]);
	printf("\n");
}

static int write_all(int fd, const void *p, size_t n, uint32_t *crc)
{
	const uint8_t *c = p;
	*crc = (uint32_t)crc32_z(*crc, c, n);
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_strings(int fd, char *const v[], int n, uint64_t *size, uint32_t *crc)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		if (write_all(fd, v[i], len, crc))
			return -1;
		*size += len;
	}
	return 0;
}

int bundle_write(int fd, const uint8_t *stub, size_t stub_size, const uint8_t *image,
		 size_t image_size, char *const opts[], int nopts, char *const args[], int nargs,
		 char *err, size_t errlen)
{
	struct bundle_trailer t = {.version = BUNDLE_VERSION, .size = sizeof(t)};
	uint32_t counts[2] = {(uint32_t)nopts, (uint32_t)nargs};
	uint32_t crc = (uint32_t)crc32_z(0, Z_NULL, 0);
	uint64_t extent;

	if (elf_extent(stub, stub_size, &extent) < 0 || extent > stub_size)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "the VMM itself is not an ELF file");
	if (nopts > BUNDLE_MAX_STRINGS || nargs > BUNDLE_MAX_STRINGS)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "too many options or arguments");
	memcpy(t.magic, BUNDLE_MAGIC, sizeof(t.magic));
	t.image_off = extent;
	t.image_size = image_size;
	t.config_size = sizeof(counts);
	if (write_all(fd, stub, extent, &crc) || write_all(fd, image, image_size, &crc) ||
	    write_all(fd, counts, sizeof(counts), &crc) ||
	    write_strings(fd, opts, nopts, &t.config_size, &crc) ||
	    write_strings(fd, args, nargs, &t.config_size, &crc))
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "write: %s", strerror(errno));
	/* config_size was only known now: the trailer's bytes go into the CRC last. */
	crc = (uint32_t)crc32_z(crc, (const uint8_t *)&t, offsetof(struct bundle_trailer, crc));
	t.crc = crc;
	uint32_t ignored = 0;
	if (write_all(fd, &t, sizeof(t), &ignored))
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "write: %s", strerror(errno));
	return 0;
}

int bundle_argv(const struct bundle *b, int argc, char **argv, char **optv, int *optc, char **gargv)
{
	const size_t plen = strlen(BUNDLE_RUN_PREFIX);
	int i, n = 0, g = 0;

	optv[n++] = argv[0];
	for (int k = 0; k < b->nopts; k++)
		optv[n++] = b->opts[k];
	for (i = 1; i < argc && !strncmp(argv[i], BUNDLE_RUN_PREFIX, plen); i++) {
		if (!strcmp(argv[i] + plen, "help"))
			return 1;
		/* "--unikvm-mem=1G" becomes "--mem=1G", in place. */
		argv[i] += plen - 2;
		argv[i][0] = argv[i][1] = '-';
		optv[n++] = argv[i];
	}
	optv[n] = NULL;
	*optc = n;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	gargv[g++] = argv[0];
	if (i < argc)
		while (i < argc)
			gargv[g++] = argv[i++];
	else
		for (int k = 0; k < b->nargs; k++)
			gargv[g++] = b->args[k];
	gargv[g] = NULL;
	return 0;
}
