/*
 * Malformed unikernel images, made by mutating a real one (apps/hello).
 *
 * One table, two users: test_elf_image.c feeds each mutation to
 * image_parse() and checks the status and message; mkbadelf.c writes each
 * one to a file for bad-images.sh, which checks what `unikvm run` prints.
 */
#ifndef UKVM_TEST_BAD_IMAGES_H
#define UKVM_TEST_BAD_IMAGES_H

#include <stddef.h>
#include <stdint.h>

/* An image being mutated. */
struct bad_buf {
	uint8_t *data; /* malloc'd; a mutation may realloc it */
	size_t size;
	char msg[256]; /* expected message substring: the table's, or a more
			* precise one the mutation computed from the base */
	char why[256]; /* why the mutation could not be made */
};

struct bad_image {
	const char *name; /* [a-z0-9-]: also the file name mkbadelf writes */
	int status;	  /* expected image_parse() result / `unikvm run` exit status */
	const char *msg;  /* a substring of the expected one-line message */
	/* 0, or -1 with a reason in b->why if the base image lacks what the
	 * mutation needs (a test setup error, never a pass). */
	int (*mutate)(struct bad_buf *b);
	/* image_parse() accepts it: only `unikvm run` refuses it, later (the
	 * memory it needs), still before /dev/kvm is opened. */
	int parse_ok;
};

extern const struct bad_image bad_images[];
extern const size_t bad_images_count;

/* Reads a whole file into a malloc'd buffer. 0, or -1 with errno set. */
int bad_images_read_file(const char *path, uint8_t **data, size_t *size);

/* A mutated copy of base in *out, with the expected message in out->msg
 * (it contains b->msg). 0, or -1 with a reason in out->why. */
int bad_image_make(const struct bad_image *b, const uint8_t *base, size_t base_size,
		   struct bad_buf *out);
void bad_buf_free(struct bad_buf *b);

/* Offset of the unikvm note's descriptor (struct ukvm_note_image) in an
 * image, found through its PT_NOTE program header; 0 if there is none. */
size_t bad_images_note_desc(const uint8_t *data, size_t size);

#endif
