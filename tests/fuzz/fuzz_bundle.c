/*
 * Fuzz target: the bundle parser (vmm/image/bundle.c), which every unikvm runs on
 * its own file at start, and `inspect` on any file it is given. The input
 * is a whole file: an ELF stub and whatever follows it. A CRC-32 covers
 * the whole file, so mutations mostly stop there; the seeds are real
 * bundles, and unit.bundle covers the config parser past the checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle b;
	char err[512];
	uint8_t *file = malloc(size ? size : 1);

	if (!file)
		return 0;
	memcpy(file, data, size);
	memset(&b, 0, sizeof(b));
	int r = bundle_parse(&b, file, size, err, sizeof(err));
	if (r == 0) {
		for (int i = 0; i < b.nopts; i++)
			(void)strlen(b.opts[i]);
		for (int i = 0; i < b.nargs; i++)
			(void)strlen(b.args[i]);
		bundle_free(&b); /* frees file too */
		return 0;
	}
	free(file); /* not a bundle, or a broken one: file stays the caller's */
	return 0;
}
