/*
 * A bundle: one executable file that is the static unikvm with a unikernel
 * image and its run configuration appended (docs/packaging.md).
 *
 *   [unikvm ELF][image][config][trailer]
 *
 * config:  u32 nopts, u32 nargs, then nopts + nargs NUL-terminated strings:
 *          `unikvm run` options as given to `unikvm pack`, then the default
 *          guest arguments.
 * trailer: struct bundle_trailer, the last 48 bytes of the file; its crc is
 *          the CRC-32 (zlib) of every byte of the file before the crc field.
 * All integers are little-endian (x86-64 only).
 */
#ifndef UKVM_BUNDLE_H
#define UKVM_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define BUNDLE_MAGIC "UKVMPACK"
#define BUNDLE_VERSION 1
#define BUNDLE_MAX_STRINGS 65536

struct bundle_trailer {
	char magic[8];	    /* BUNDLE_MAGIC, no NUL */
	uint32_t version;   /* BUNDLE_VERSION */
	uint32_t size;	    /* sizeof(struct bundle_trailer) */
	uint64_t image_off; /* = the ELF extent of the unikvm in front */
	uint64_t image_size;
	uint64_t config_size; /* the config follows the image */
	uint32_t reserved;    /* 0 */
	uint32_t crc;	      /* CRC-32 of the file up to this field */
};
_Static_assert(sizeof(struct bundle_trailer) == 48, "bundle trailer size");

struct bundle {
	uint8_t *file; /* the whole file */
	size_t file_size;
	const uint8_t *image; /* into file */
	size_t image_size;
	char **opts; /* NULL-terminated arrays of pointers into file */
	char **args;
	int nopts, nargs;
};

/* Bytes of data that an ELF file's headers account for (the ELF header,
 * program and section header tables, every segment and section with file
 * data): anything after this was appended. 0; -1 if not an ELF file; -2 if
 * its headers cannot be read (truncated or corrupt). */
int elf_extent(const void *data, size_t size, uint64_t *extent);

/* Parses a bundle from file (which b takes over: bundle_free frees it).
 * 0: a valid bundle; 1: not a bundle (nothing appended to an ELF file; file
 * is left to the caller); 2: an ELF file that ends before its own headers
 * say, or whose headers libelf cannot read (truncated; file left to the
 * caller); EXIT_BAD_IMAGE with a one-line reason in err:
 * data was appended, but it is not an intact bundle. */
int bundle_parse(struct bundle *b, uint8_t *file, size_t size, char *err, size_t errlen);

/* Reads path and parses it as above; EXIT_NO_IMAGE if it cannot be read. */
int bundle_read(struct bundle *b, const char *path, char *err, size_t errlen);
void bundle_free(struct bundle *b); /* also of a zeroed or failed one */

#define BUNDLE_RUN_PREFIX "--unikvm-"

/* The command line of a bundle b run as argv[0..argc): into optv, argv[0],
 * b's packed run options, then argv's leading --unikvm-OPT[=VAL] words
 * turned into --OPT[=VAL] (in place); *optc their count. Into gargv,
 * argv[0] and the words after those (after a "--" if there is one), or b's
 * default arguments if there are none; NULL-terminated. optv needs
 * b->nopts + argc + 1 entries, gargv b->nargs + argc + 1. Returns 1 for
 * --unikvm-help (the caller prints the bundle's help), else 0. */
int bundle_argv(const struct bundle *b, int argc, char **argv, char **optv, int *optc,
		char **gargv);

/* "label 'w1' 'w2'" or "label (none)" on stdout, for the help texts. */
void bundle_print_words(const char *label, char **v, int n);

/* Writes stub (an ELF: its bytes up to its extent are kept), image, the
 * config and the trailer to fd. 0, or EXIT_HOST_ERROR with err set. */
int bundle_write(int fd, const uint8_t *stub, size_t stub_size, const uint8_t *image,
		 size_t image_size, char *const opts[], int nopts, char *const args[], int nargs,
		 char *err, size_t errlen);

#endif
