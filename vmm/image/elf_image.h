/*
 * A unikernel image: an x86-64 ELF checked with libelf before anything is
 * loaded. image_open() validates everything the VMM relies on (class,
 * machine, type, the program header entry size, every table, segment and
 * section inside the file, the unikvm ABI note, every PT_LOAD against the
 * memory map, W^X, the entry point); the symbol table, for crash reports
 * and inspect, is read from the kept file on first use.
 */
#ifndef UKVM_ELF_IMAGE_H
#define UKVM_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gelf.h>
#include <unikvm/abi.h>

#include "core/gmem.h"

#define IMAGE_MAX_SEGMENTS 16
#define SEG_R 4
#define SEG_W 2
#define SEG_X 1

struct segment {
	uint64_t vaddr, memsz, filesz, offset;
	uint32_t flags; /* SEG_* (ELF PF_* values) */
};

struct symbol {
	uint64_t addr, size;
	char *name;
};

struct image {
	uint8_t *file; /* the whole file: read into memory, or mapped */
	size_t file_size;
	bool mapped; /* file is a private read-only mapping (image_open) */
	uint64_t entry;
	struct segment seg[IMAGE_MAX_SEGMENTS]; /* PT_LOADs sorted by address */
	unsigned nseg;
	uint64_t end; /* first byte after the highest segment */
	struct ukvm_note_image note;
	struct symbol *syms; /* functions and labels, sorted by address, */
	size_t nsyms;	     /* once image_read_symbols() ran */
	bool syms_read, syms_sorted;
};

/* Opens and checks path. On failure prints nothing, holds nothing (no
 * image_close needed), fills err with a
 * one-line reason and returns EXIT_NO_IMAGE or EXIT_BAD_IMAGE. */
int image_open(struct image *img, const char *path, char *err, size_t errlen);
/* Same checks on an image already in memory (copied; used by tests). */
int image_parse(struct image *img, const void *data, size_t size, char *err, size_t errlen);
void image_close(struct image *img);
/* Fills syms/nsyms from the file, once (image_symbol() calls it). */
void image_read_symbols(const struct image *img);

/* Reads a whole regular file of at most max bytes into a malloc'd buffer:
 * 0, or EXIT_NO_IMAGE / EXIT_BAD_IMAGE / EXIT_HOST_ERROR with a reason. */
int read_whole_file(const char *path, uint64_t max, uint8_t **data, size_t *size, char *err,
		    size_t errlen);

/* A range of an ELF file that its headers say holds data. */
struct elf_range {
	enum { ELF_RANGE_PHDRS, ELF_RANGE_SEGMENT, ELF_RANGE_SHDRS, ELF_RANGE_SECTION } kind;
	size_t index; /* the segment's or section's */
	uint64_t offset, size;
};

/* Calls fn for each range of elf's file that its headers describe, in this
 * order: the program header table, each segment's file data, the section
 * header table, each section's data (not SHT_NOBITS). Headers libelf
 * cannot read are skipped. Stops at the first nonzero result of fn and
 * returns it; 0 after the last. */
int elf_ranges(Elf *elf, int (*fn)(const struct elf_range *r, void *ctx), void *ctx);

/* Copies the segments into guest memory (already zeroed). */
void image_load(const struct image *img, const struct gmem *m);

/* Whether addr is inside an executable segment of img. */
bool image_is_code(const struct image *img, uint64_t addr);

/* The sized symbol containing addr or, in code, the closest label (a size 0
 * symbol, as assembly defines) below it; NULL if none. *off is addr's
 * offset into it. */
const struct symbol *image_symbol(const struct image *img, uint64_t addr, uint64_t *off);

#endif
